;; A callback-form WASIp3 handler that imports the built-in thread.yield, which suspends the
;; calling thread (JSPI). spin-ts refuses it at start.
(component
  (core func $yield (canon thread.yield))
  (core module $m
    (import "" "yield" (func $yield (result i32)))
    (func (export "handle") (result i32) (drop (call $yield)) (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) (i32.const 0))
  )
  (core instance $i (instantiate $m (with "" (instance (export "yield" (func $yield))))))
  (type $handle-type (func async))
  (func $handle (type $handle-type) (canon lift (core func $i "handle") async (callback (core func $i "callback"))))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/handler@0.3.0" (instance $handler))
)
