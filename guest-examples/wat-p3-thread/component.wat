;; A callback-form WASIp3 handler that imports a cooperative-thread built-in (thread.index),
;; which jco does not implement and which needs JSPI. spin-ts refuses it at start.
(component
  (core func $index (canon thread.index))
  (core module $m
    (import "" "index" (func $index (result i32)))
    (func (export "handle") (result i32) (drop (call $index)) (i32.const 0))
    (func (export "callback") (param i32 i32 i32) (result i32) (i32.const 0))
  )
  (core instance $i (instantiate $m (with "" (instance (export "index" (func $index))))))
  (type $handle-type (func async))
  (func $handle (type $handle-type) (canon lift (core func $i "handle") async (callback (core func $i "callback"))))
  (instance $handler (export "handle" (func $handle)))
  (export "wasi:http/handler@0.3.0" (instance $handler))
)
