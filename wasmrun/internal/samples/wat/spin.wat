;; Hostile plugin: a reactor that follows gocap's plugin ABI but whose spin
;; function never returns. The per-call timeout closes the instance; the
;; next call gets a fresh one. ok logs its input through gocap.log (the host
;; module) and returns it unchanged.
(module
  (import "gocap" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "free") (param i32))
  (func (export "spin") (param i32 i32) (result i64)
    (loop $forever (br $forever))
    (i64.const 0))
  (func (export "ok") (param $ptr i32) (param $len i32) (result i64)
    (call $log (local.get $ptr) (local.get $len))
    (i64.or
      (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
      (i64.extend_i32_u (local.get $len)))))
