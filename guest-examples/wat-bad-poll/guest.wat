;; A wasi:http guest that passes wasi:io/poll a resource handle it was never given (12345),
;; as a buggy or hostile guest might. wasmtime traps; spin-ts must trap too, with a clear
;; message, not answer a TypeError from inside its own implementation.
(module
  (import "wasi:io/poll@0.2.3" "poll" (func $poll (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  ;; A bump allocator: (old-ptr, old-size, align, new-size) -> ptr.
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get 2) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get 2))))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (local.get $p))
  (func (export "wasi:http/incoming-handler@0.2.3#handle") (param $request i32) (param $outparam i32)
    ;; poll(list<borrow<pollable>>) with one element, the bogus handle; results at 32.
    (i32.store (i32.const 16) (i32.const 12345))
    (call $poll (i32.const 16) (i32.const 1) (i32.const 32)))
)
