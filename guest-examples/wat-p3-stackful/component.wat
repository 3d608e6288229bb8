;; A WASIp3 handler whose async export has no callback (a stackful lift): its core function
;; would keep its stack while it waits, which needs JSPI. spin-ts refuses it at start.
;; Built by scripts/build-guests.mjs (wasm-tools parse, from @bytecodealliance/jco-transpile).
(component
  (core module $m
    (func (export "handle"))
  )
  (core instance $i (instantiate $m))
  (type $handle-type (func async))
  (func $handle (type $handle-type) (canon lift (core func $i "handle") async))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/handler@0.3.0" (instance $handler))
)
