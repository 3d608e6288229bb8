;; A guest of wasi:http 0.2.0-rc-2023-11-10, the release candidate Spin 2.1 built its
;; components for (made a component against ./wit by scripts/build-guests.mjs). Written by
;; hand so every call is the candidate's own shape, the two that differ from 0.2.0 included
;; (future-trailers.get, request-options' `-ms` names):
;;
;;   GET  <any>         200 "hello from wasi:http 0.2.0-rc-2023-11-10\n"
;;   POST <any>         200, the request body read back through the candidate's streams,
;;                      its content-type echoed as x-request-content-type
;;   GET  …/outbound    GET http://<x-peer header>/from-rc through outgoing-handler, with a
;;                      5 s connect-timeout-ms; answers the peer's status and body, 403 when
;;                      the host denies it, 502 for another error-code
;;   GET  …/bad-handle  pollable.block on a handle it was never given (the host must trap)
;;
;; Every response carries x-wasi-http: 0.2.0-rc-2023-11-10 and content-type: text/plain.
(module
  (import "wasi:io/poll@0.2.0-rc-2023-11-10" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:io/poll@0.2.0-rc-2023-11-10" "[resource-drop]pollable" (func $drop_pollable (param i32)))
  (import "wasi:io/streams@0.2.0-rc-2023-11-10" "[method]input-stream.blocking-read" (func $blocking_read (param i32 i64 i32)))
  (import "wasi:io/streams@0.2.0-rc-2023-11-10" "[method]output-stream.blocking-write-and-flush" (func $write_and_flush (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.0-rc-2023-11-10" "[resource-drop]input-stream" (func $drop_input (param i32)))
  (import "wasi:io/streams@0.2.0-rc-2023-11-10" "[resource-drop]output-stream" (func $drop_output (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[constructor]fields" (func $fields_new (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[static]fields.from-list" (func $fields_from_list (param i32 i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]fields.get" (func $fields_get (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[resource-drop]fields" (func $drop_fields (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-request.method" (func $req_method (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-request.path-with-query" (func $req_path (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-request.headers" (func $req_headers (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-request.consume" (func $req_consume (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[resource-drop]incoming-request" (func $drop_req (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[constructor]outgoing-request" (func $out_req_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-request.body" (func $out_req_body (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-request.set-method" (func $set_method (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-request.set-path-with-query" (func $set_path (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-request.set-scheme" (func $set_scheme (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-request.set-authority" (func $set_authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[constructor]request-options" (func $options_new (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]request-options.connect-timeout-ms" (func $connect_timeout (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]request-options.set-connect-timeout-ms" (func $set_connect_timeout (param i32 i32 i64) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[static]response-outparam.set" (func $outparam_set (param i32 i32 i32 i32 i64 i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-response.status" (func $resp_status (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-response.consume" (func $resp_consume (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[resource-drop]incoming-response" (func $drop_resp (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]incoming-body.stream" (func $body_stream (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[static]incoming-body.finish" (func $body_finish (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]future-trailers.get" (func $trailers_get (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[resource-drop]future-trailers" (func $drop_trailers (param i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[constructor]outgoing-response" (func $out_resp_new (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-response.set-status-code" (func $set_status (param i32 i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-response.body" (func $out_resp_body (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]outgoing-body.write" (func $out_body_write (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[static]outgoing-body.finish" (func $out_body_finish (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]future-incoming-response.get" (func $future_get (param i32 i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[method]future-incoming-response.subscribe" (func $future_subscribe (param i32) (result i32)))
  (import "wasi:http/types@0.2.0-rc-2023-11-10" "[resource-drop]future-incoming-response" (func $drop_future (param i32)))
  (import "wasi:http/outgoing-handler@0.2.0-rc-2023-11-10" "handle" (func $send (param i32 i32 i32 i32)))

  (memory (export "memory") 2)
  ;; 0..256: return areas (8-aligned: error-code holds a u64); 1024..: the strings below, one per 64 bytes; 4096..: header entries;
  ;; 65536..: the bump heap cabi_realloc hands out (a request body's chunks land back to back).
  (global $heap (mut i32) (i32.const 65536))
  (global $body_ptr (mut i32) (i32.const 0))
  (global $body_len (mut i32) (i32.const 0))

  (data (i32.const 1024) "/outbound")
  (data (i32.const 1088) "/bad-handle")
  (data (i32.const 1152) "x-wasi-http")
  (data (i32.const 1216) "0.2.0-rc-2023-11-10")
  (data (i32.const 1280) "content-type")
  (data (i32.const 1344) "text/plain")
  (data (i32.const 1408) "x-peer")
  (data (i32.const 1472) "/from-rc")
  (data (i32.const 1536) "hello from wasi:http 0.2.0-rc-2023-11-10\n")
  (data (i32.const 1600) "x-peer header missing\n")
  (data (i32.const 1728) "HTTP-request-denied\n")
  (data (i32.const 1792) "outbound request failed\n")
  (data (i32.const 1664) "x-request-content-type")

  ;; (old-ptr, old-size, align, new-size) -> ptr, growing the memory when the heap runs out.
  (func $realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $size)))
    (block $fits
      (br_if $fits (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $fits
        (i32.ne (i32.const -1)
          (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1)))))
      (unreachable))
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $old_size))))
    (local.get $p))

  ;; Whether the path ($a, $alen) ends with ($b, $blen): routes may put a prefix before it.
  (func $ends_with (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (local $i i32)
    (if (i32.lt_u (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (local.set $a (i32.add (local.get $a) (i32.sub (local.get $alen) (local.get $blen))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $blen)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i))) (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; One header entry (name, value) at 4096 + 16 * index.
  (func $entry (param $index i32) (param $name i32) (param $name_len i32) (param $value i32) (param $value_len i32)
    (local $at i32)
    (local.set $at (i32.add (i32.const 4096) (i32.mul (local.get $index) (i32.const 16))))
    (i32.store (local.get $at) (local.get $name))
    (i32.store offset=4 (local.get $at) (local.get $name_len))
    (i32.store offset=8 (local.get $at) (local.get $value))
    (i32.store offset=12 (local.get $at) (local.get $value_len)))

  ;; Reads `stream` to its end into $body_ptr/$body_len.
  (func $read_all (param $stream i32)
    (global.set $body_ptr (global.get $heap))
    (global.set $body_len (i32.const 0))
    (block $end
      (loop $more
        (call $blocking_read (local.get $stream) (i64.const 4096) (i32.const 16))
        (if (i32.eqz (i32.load8_u (i32.const 16)))
          (then
            (if (i32.load (i32.const 24))
              (then
                ;; chunks are allocated back to back: anything else is a bug of this guest
                (if (i32.ne (i32.load (i32.const 20)) (i32.add (global.get $body_ptr) (global.get $body_len))) (then (unreachable)))
                (global.set $body_len (i32.add (global.get $body_len) (i32.load (i32.const 24))))))
            (br $more)))
        ;; stream-error: closed (1) is the end; last-operation-failed traps
        (br_if $end (i32.eq (i32.load8_u (i32.const 20)) (i32.const 1)))
        (unreachable))))

  ;; Reads an incoming body (a request's or a response's) to its end, then finishes it and
  ;; takes its trailers in 11-10's shape: option<result<option<trailers>, error-code>>
  ;; (option at 128, result at 136, the inner option at 144, the trailers at 148).
  (func $read_body (param $body i32)
    (local $stream i32) (local $trailers i32)
    (call $body_stream (local.get $body) (i32.const 16))
    (if (i32.load8_u (i32.const 16)) (then (unreachable)))
    (local.set $stream (i32.load (i32.const 20)))
    (call $read_all (local.get $stream))
    (call $drop_input (local.get $stream))
    (local.set $trailers (call $body_finish (local.get $body)))
    (call $trailers_get (local.get $trailers) (i32.const 128))
    (if (i32.ne (i32.load8_u (i32.const 128)) (i32.const 1)) (then (unreachable)))
    (if (i32.load8_u (i32.const 136)) (then (unreachable)))
    (if (i32.load8_u (i32.const 144)) (then (call $drop_fields (i32.load (i32.const 148)))))
    (call $drop_trailers (local.get $trailers)))

  ;; Sends the response: status, our headers (and x-request-content-type when given), body.
  (func $respond (param $out i32) (param $status i32) (param $ptr i32) (param $len i32) (param $ct i32) (param $ct_len i32)
    (local $headers i32) (local $response i32) (local $body i32) (local $stream i32) (local $n i32) (local $count i32)
    (call $entry (i32.const 0) (i32.const 1152) (i32.const 11) (i32.const 1216) (i32.const 19))
    (call $entry (i32.const 1) (i32.const 1280) (i32.const 12) (i32.const 1344) (i32.const 10))
    (local.set $count (i32.const 2))
    (if (local.get $ct_len)
      (then
        (call $entry (i32.const 2) (i32.const 1664) (i32.const 22) (local.get $ct) (local.get $ct_len))
        (local.set $count (i32.const 3))))
    (call $fields_from_list (i32.const 4096) (local.get $count) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    ;; the response owns its headers from here
    (local.set $response (call $out_resp_new (i32.load (i32.const 4))))
    (if (call $set_status (local.get $response) (local.get $status)) (then (unreachable)))
    (call $out_resp_body (local.get $response) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (local.set $body (i32.load (i32.const 4)))
    (call $out_body_write (local.get $body) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (local.set $stream (i32.load (i32.const 4)))
    (call $outparam_set (local.get $out) (i32.const 0) (local.get $response) (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (block $written
      (loop $chunk
        (br_if $written (i32.eqz (local.get $len)))
        (local.set $n (select (i32.const 4096) (local.get $len) (i32.gt_u (local.get $len) (i32.const 4096))))
        (call $write_and_flush (local.get $stream) (local.get $ptr) (local.get $n) (i32.const 0))
        (if (i32.load8_u (i32.const 0)) (then (unreachable)))
        (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
        (local.set $len (i32.sub (local.get $len) (local.get $n)))
        (br $chunk)))
    (call $drop_output (local.get $stream))
    (call $out_body_finish (local.get $body) (i32.const 0) (i32.const 0) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable))))

  ;; The first value of header `name` of `fields` at 48 (ptr) / 52 (len); len 0 when absent.
  (func $first_value (param $fields i32) (param $name i32) (param $name_len i32)
    (local $list i32)
    (call $fields_get (local.get $fields) (local.get $name) (local.get $name_len) (i32.const 48))
    (if (i32.eqz (i32.load (i32.const 52)))
      (then (i32.store (i32.const 52) (i32.const 0)) (return)))
    (local.set $list (i32.load (i32.const 48)))
    (i32.store (i32.const 48) (i32.load (local.get $list)))
    (i32.store (i32.const 52) (i32.load offset=4 (local.get $list))))

  (func $outbound (param $req i32) (param $out i32)
    (local $headers i32) (local $auth i32) (local $auth_len i32) (local $request i32) (local $options i32)
    (local $future i32) (local $pollable i32) (local $response i32) (local $status i32)
    (local.set $headers (call $req_headers (local.get $req)))
    (call $first_value (local.get $headers) (i32.const 1408) (i32.const 6))
    (local.set $auth (i32.load (i32.const 48)))
    (local.set $auth_len (i32.load (i32.const 52)))
    (call $drop_fields (local.get $headers))
    (if (i32.eqz (local.get $auth_len))
      (then (call $respond (local.get $out) (i32.const 400) (i32.const 1600) (i32.const 22) (i32.const 0) (i32.const 0)) (return)))
    (local.set $request (call $out_req_new (call $fields_new)))
    ;; method get; path some("/from-rc"); scheme some(HTTP); authority some(x-peer)
    (if (call $set_method (local.get $request) (i32.const 0) (i32.const 0) (i32.const 0)) (then (unreachable)))
    (if (call $set_path (local.get $request) (i32.const 1) (i32.const 1472) (i32.const 8)) (then (unreachable)))
    (if (call $set_scheme (local.get $request) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)) (then (unreachable)))
    (if (call $set_authority (local.get $request) (i32.const 1) (local.get $auth) (local.get $auth_len)) (then (unreachable)))
    (call $out_req_body (local.get $request) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (call $out_body_finish (i32.load (i32.const 4)) (i32.const 0) (i32.const 0) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    ;; request-options by 11-10's names: a 5 s connect timeout, read back
    (local.set $options (call $options_new))
    (if (call $set_connect_timeout (local.get $options) (i32.const 1) (i64.const 5000000000)) (then (unreachable)))
    (call $connect_timeout (local.get $options) (i32.const 0))
    (if (i32.eqz (i32.load8_u (i32.const 0))) (then (unreachable)))
    (if (i64.ne (i64.load (i32.const 8)) (i64.const 5000000000)) (then (unreachable)))
    ;; result<future-incoming-response, error-code> at 64: the future or the code's case at 72
    (call $send (local.get $request) (i32.const 1) (local.get $options) (i32.const 64))
    (if (i32.load8_u (i32.const 64))
      (then
        (if (i32.eq (i32.load8_u (i32.const 72)) (i32.const 15))
          (then (call $respond (local.get $out) (i32.const 403) (i32.const 1728) (i32.const 20) (i32.const 0) (i32.const 0)) (return)))
        (call $respond (local.get $out) (i32.const 502) (i32.const 1792) (i32.const 24) (i32.const 0) (i32.const 0))
        (return)))
    (local.set $future (i32.load (i32.const 72)))
    (local.set $pollable (call $future_subscribe (local.get $future)))
    (call $block (local.get $pollable))
    (call $drop_pollable (local.get $pollable))
    ;; option<result<result<incoming-response, error-code>>>: option at 192, results at 200
    ;; and 208, the response (or the code's case) at 216
    (call $future_get (local.get $future) (i32.const 192))
    (if (i32.ne (i32.load8_u (i32.const 192)) (i32.const 1)) (then (unreachable)))
    (if (i32.load8_u (i32.const 200)) (then (unreachable)))
    (if (i32.load8_u (i32.const 208))
      (then (call $respond (local.get $out) (i32.const 502) (i32.const 1792) (i32.const 24) (i32.const 0) (i32.const 0)) (return)))
    (local.set $response (i32.load (i32.const 216)))
    (call $drop_future (local.get $future))
    (local.set $status (call $resp_status (local.get $response)))
    (call $resp_consume (local.get $response) (i32.const 0))
    (if (i32.load8_u (i32.const 0)) (then (unreachable)))
    (call $read_body (i32.load (i32.const 4)))
    (call $drop_resp (local.get $response))
    (call $respond (local.get $out) (local.get $status) (global.get $body_ptr) (global.get $body_len) (i32.const 0) (i32.const 0)))

  (func (export "wasi:http/incoming-handler@0.2.0-rc-2023-11-10#handle") (param $req i32) (param $out i32)
    (local $path i32) (local $path_len i32) (local $headers i32) (local $ct i32) (local $ct_len i32)
    (call $req_path (local.get $req) (i32.const 0))
    (local.set $path (i32.load (i32.const 4)))
    (local.set $path_len (select (i32.load (i32.const 8)) (i32.const 0) (i32.load8_u (i32.const 0))))
    (call $req_method (local.get $req) (i32.const 16))
    (if (call $ends_with (local.get $path) (local.get $path_len) (i32.const 1024) (i32.const 9))
      (then (call $outbound (local.get $req) (local.get $out)) (call $drop_req (local.get $req)) (return)))
    (if (call $ends_with (local.get $path) (local.get $path_len) (i32.const 1088) (i32.const 11))
      (then (call $block (i32.const 12345)) (return)))
    ;; method post (2): echo the body
    (if (i32.eq (i32.load8_u (i32.const 16)) (i32.const 2))
      (then
        (local.set $headers (call $req_headers (local.get $req)))
        (call $first_value (local.get $headers) (i32.const 1280) (i32.const 12))
        (local.set $ct (i32.load (i32.const 48)))
        (local.set $ct_len (i32.load (i32.const 52)))
        (call $drop_fields (local.get $headers))
        (call $req_consume (local.get $req) (i32.const 0))
        (if (i32.load8_u (i32.const 0)) (then (unreachable)))
        (call $read_body (i32.load (i32.const 4)))
        (call $respond (local.get $out) (i32.const 200) (global.get $body_ptr) (global.get $body_len) (local.get $ct) (local.get $ct_len))
        (call $drop_req (local.get $req))
        (return)))
    (call $respond (local.get $out) (i32.const 200) (i32.const 1536) (i32.const 41) (i32.const 0) (i32.const 0))
    (call $drop_req (local.get $req)))
)
