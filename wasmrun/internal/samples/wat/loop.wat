;; Hostile: a command whose _start never returns. The host's timeout closes it.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever (br $forever))))
