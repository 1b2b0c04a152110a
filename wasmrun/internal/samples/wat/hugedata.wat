;; Hostile: a data segment placed at 1 GiB needs 16385 pages of memory; the
;; host's memory cap refuses it before any memory is reserved.
(module
  (memory (export "memory") 16385)
  (data (i32.const 1073741824) "at one GiB")
  (func (export "_start")))
