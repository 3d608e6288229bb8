;; A wasi:http 0.2.0-rc-2023-10-18 guest that drops the request it is handed without calling
;; any of its methods, then answers 200 "request dropped unread\n", as the components of
;; Spin 2.0's runtime tests do (their handler ignores the request). It imports the drop of
;; incoming-request and no function that names it, which jco's glue turned into a trap on
;; every request. Built against ../wat-http-rc-2023-10-18/wit (world http-rc-drop).
(module
  (import "wasi:io/streams@0.2.0-rc-2023-10-18" "[method]output-stream.blocking-write-and-flush" (func $write_and_flush (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.0-rc-2023-10-18" "[resource-drop]output-stream" (func $drop_output (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[constructor]fields" (func $fields_new (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[resource-drop]fields" (func $drop_fields (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[resource-drop]incoming-request" (func $drop_req (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[constructor]outgoing-response" (func $out_resp_new (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[method]outgoing-response.write" (func $out_resp_write (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[method]outgoing-body.write" (func $out_body_write (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-10-18" "[static]outgoing-body.finish" (func $out_body_finish (param i32 i32 i32)))

  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const 1024) "request dropped unread\n")

  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))

  (func (export "wasi:http/incoming-handler@0.2.0-rc-2023-10-18#handle") (param $req i32) (param $out i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32)
    (call $drop_req (local.get $req))
    (local.set $headers (call $fields_new (i32.const 0) (i32.const 0)))
    (local.set $response (call $out_resp_new (i32.const 200) (local.get $headers)))
    (call $drop_fields (local.get $headers))
    (call $out_resp_write (local.get $response) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (local.set $body (i32.load (i32.const 4)))
    (call $out_body_write (local.get $body) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (local.set $stream (i32.load (i32.const 4)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response) (i32.const 0) (i32.const 0))
    (call $write_and_flush (local.get $stream) (i32.const 1024) (i32.const 23) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (call $drop_output (local.get $stream))
    (call $out_body_finish (local.get $body) (i32.const 0) (i32.const 0)))
)
