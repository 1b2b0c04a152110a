;; Hostile: grows memory one page at a time until memory.grow fails (-1),
;; then traps. The host's memory cap bounds it.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
