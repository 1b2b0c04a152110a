;; Hostile: imports a host function outside gocap's allow-list and a WASI
;; socket call. The host refuses it before instantiation.
(module
  (import "env" "system" (func $system (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "rm -rf /")
  (func (export "_start")
    (drop (call $system (i32.const 0) (i32.const 8)))))
