//! The Spin 1.x HTTP module ABI, written by hand (no crates): what a module built by the
//! Spin SDKs of the wit-bindgen 0.2 era exports and imports. Shared by the spin1-* guests
//! through `#[path]`.
//!
//! Exports: `handle-http-request` (the request record flattened into ten i32s; returns a
//! pointer to the response record) and `canonical_abi_realloc` / `canonical_abi_free`,
//! which the host uses to place arguments in the module's memory.
//! Imports: `spin-config.get-config`, `wasi-outbound-http.request`, `key-value.*` — each
//! takes its arguments flattened and a pointer to a return area it fills.
#![allow(dead_code)]

use std::alloc::{alloc, dealloc, realloc, Layout};

#[no_mangle]
pub unsafe extern "C" fn canonical_abi_realloc(old: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    if new_len == 0 {
        return align as *mut u8;
    }
    let p = if old_len == 0 {
        alloc(Layout::from_size_align_unchecked(new_len, align))
    } else {
        realloc(old, Layout::from_size_align_unchecked(old_len, align), new_len)
    };
    if p.is_null() {
        std::process::abort();
    }
    p
}

#[no_mangle]
pub unsafe extern "C" fn canonical_abi_free(ptr: *mut u8, len: usize, align: usize) {
    if len != 0 {
        dealloc(ptr, Layout::from_size_align_unchecked(len, align));
    }
}

pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

pub struct Request {
    pub method: usize,
    pub uri: String,
    pub headers: Vec<(String, String)>,
    pub params: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of a query parameter in the uri (no percent-decoding: the tests pass plain values).
    pub fn query(&self, name: &str) -> Option<String> {
        let q = self.uri.splitn(2, '?').nth(1)?;
        q.split('&').find_map(|kv| {
            let mut it = kv.splitn(2, '=');
            if it.next()? == name { Some(it.next().unwrap_or("").to_string()) } else { None }
        })
    }

    pub fn path(&self) -> &str {
        self.uri.splitn(2, '?').next().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

pub fn text(status: u16, body: &str) -> Response {
    Response { status, headers: vec![("content-type".into(), "text/plain".into())], body: body.as_bytes().to_vec() }
}

// ---- reading and writing the canonical ABI's layouts --------------------------------------

pub unsafe fn take_string(ptr: i32, len: i32) -> String {
    String::from_utf8(take_bytes(ptr, len)).unwrap_or_default()
}

/// Takes ownership of a list<u8> the host allocated with canonical_abi_realloc(align 1).
pub unsafe fn take_bytes(ptr: i32, len: i32) -> Vec<u8> {
    if len == 0 {
        return Vec::new();
    }
    Vec::from_raw_parts(ptr as *mut u8, len as usize, len as usize)
}

/// Reads a list<tuple<string, string>> (16 bytes an element).
pub unsafe fn take_pairs(ptr: i32, len: i32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..len {
        let e = (ptr + i * 16) as *const i32;
        out.push((take_string(*e, *e.add(1)), take_string(*e.add(2), *e.add(3))));
    }
    if len > 0 {
        canonical_abi_free(ptr as *mut u8, (len * 16) as usize, 4);
    }
    out
}

/// Lays out a list<tuple<string, string>>; the strings and the array stay alive (leaked) for the call.
pub fn pairs_out(pairs: &[(String, String)]) -> (i32, i32) {
    let mut flat: Vec<i32> = Vec::with_capacity(pairs.len() * 4);
    for (k, v) in pairs {
        let k = k.clone().into_bytes().leak();
        let v = v.clone().into_bytes().leak();
        flat.extend_from_slice(&[k.as_ptr() as i32, k.len() as i32, v.as_ptr() as i32, v.len() as i32]);
    }
    let flat = flat.leak();
    (flat.as_ptr() as i32, pairs.len() as i32)
}

pub unsafe fn load_i32(addr: i32) -> i32 {
    *(addr as *const i32)
}

pub unsafe fn load_u8(addr: i32) -> u8 {
    *(addr as *const u8)
}

pub unsafe fn load_u16(addr: i32) -> u16 {
    *(addr as *const u16)
}

/// A return area for an import's result (aligned for i64).
#[repr(C, align(8))]
pub struct RetArea(pub [u8; 40]);

impl RetArea {
    pub fn new() -> Self {
        RetArea([0; 40])
    }
    pub fn ptr(&mut self) -> i32 {
        self.0.as_mut_ptr() as i32
    }
}

/// The handler's result, in a static return area the host reads after the call.
static mut RESPONSE_AREA: [i32; 7] = [0; 7];

pub fn response_out(r: Response) -> i32 {
    let (hp, hl) = pairs_out(&r.headers);
    let body = r.body.leak();
    unsafe {
        let base = RESPONSE_AREA.as_mut_ptr() as i32;
        *(base as *mut u16) = r.status;
        *((base + 4) as *mut u8) = 1;
        *((base + 8) as *mut i32) = hp;
        *((base + 12) as *mut i32) = hl;
        *((base + 16) as *mut u8) = 1;
        *((base + 20) as *mut i32) = body.as_ptr() as i32;
        *((base + 24) as *mut i32) = body.len() as i32;
        base
    }
}

/// Declares the exported handler: `spin1_handler!(handle)` with `fn handle(Request) -> Response`.
#[macro_export]
macro_rules! spin1_handler {
    ($f:ident) => {
        #[export_name = "handle-http-request"]
        pub unsafe extern "C" fn __spin1_handle_http_request(
            method: i32,
            uri_ptr: i32,
            uri_len: i32,
            headers_ptr: i32,
            headers_len: i32,
            params_ptr: i32,
            params_len: i32,
            body_some: i32,
            body_ptr: i32,
            body_len: i32,
        ) -> i32 {
            let req = abi::Request {
                method: method as usize,
                uri: abi::take_string(uri_ptr, uri_len),
                headers: abi::take_pairs(headers_ptr, headers_len),
                params: abi::take_pairs(params_ptr, params_len),
                body: if body_some != 0 { Some(abi::take_bytes(body_ptr, body_len)) } else { None },
            };
            abi::response_out($f(req))
        }
    };
}

// ---- imports ------------------------------------------------------------------------------

pub mod config {
    #[link(wasm_import_module = "spin-config")]
    extern "C" {
        #[link_name = "get-config"]
        fn get_config(key_ptr: i32, key_len: i32, ret: i32);
    }

    /// `Err` carries the error case's name and message.
    pub fn get(key: &str) -> Result<String, (String, String)> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        unsafe {
            get_config(key.as_ptr() as i32, key.len() as i32, r);
            if super::load_u8(r) == 0 {
                return Ok(super::take_string(super::load_i32(r + 4), super::load_i32(r + 8)));
            }
            let case = ["provider", "invalid-key", "invalid-schema", "other"][super::load_u8(r + 4) as usize];
            Err((case.to_string(), super::take_string(super::load_i32(r + 8), super::load_i32(r + 12))))
        }
    }
}

pub mod outbound_http {
    #[link(wasm_import_module = "wasi-outbound-http")]
    extern "C" {
        fn request(
            method: i32,
            uri_ptr: i32,
            uri_len: i32,
            headers_ptr: i32,
            headers_len: i32,
            params_ptr: i32,
            params_len: i32,
            body_some: i32,
            body_ptr: i32,
            body_len: i32,
            ret: i32,
        );
    }

    pub const ERRORS: [&str; 6] = ["success", "destination-not-allowed", "invalid-url", "request-error", "runtime-error", "too-many-requests"];

    /// Sends a request; `Err` is the http-error case's name.
    pub fn send(method: usize, uri: &str, headers: &[(String, String)], body: Option<&[u8]>) -> Result<super::Response, &'static str> {
        let (hp, hl) = super::pairs_out(headers);
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        unsafe {
            let (bs, bp, bl) = match body {
                Some(b) => (1, b.as_ptr() as i32, b.len() as i32),
                None => (0, 0, 0),
            };
            request(method as i32, uri.as_ptr() as i32, uri.len() as i32, hp, hl, 0, 0, bs, bp, bl, r);
            if super::load_u8(r) != 0 {
                return Err(ERRORS[super::load_u8(r + 4) as usize]);
            }
            let status = super::load_u16(r + 4);
            let headers = if super::load_u8(r + 8) != 0 { super::take_pairs(super::load_i32(r + 12), super::load_i32(r + 16)) } else { Vec::new() };
            let body = if super::load_u8(r + 20) != 0 { super::take_bytes(super::load_i32(r + 24), super::load_i32(r + 28)) } else { Vec::new() };
            Ok(super::Response { status, headers, body })
        }
    }
}

pub mod key_value {
    #[link(wasm_import_module = "key-value")]
    extern "C" {
        fn open(name_ptr: i32, name_len: i32, ret: i32);
        fn get(store: i32, key_ptr: i32, key_len: i32, ret: i32);
        fn set(store: i32, key_ptr: i32, key_len: i32, value_ptr: i32, value_len: i32, ret: i32);
        fn delete(store: i32, key_ptr: i32, key_len: i32, ret: i32);
        fn exists(store: i32, key_ptr: i32, key_len: i32, ret: i32);
        #[link_name = "get-keys"]
        fn get_keys(store: i32, ret: i32);
        fn close(store: i32);
    }

    const ERRORS: [&str; 6] = ["store-table-full", "no-such-store", "access-denied", "invalid-store", "no-such-key", "io"];

    /// A result<T, error> in a return area: Ok → Some(offset of the payload), Err → the case name (io with its message).
    unsafe fn outcome(r: i32) -> Result<(), String> {
        if super::load_u8(r) == 0 {
            return Ok(());
        }
        let case = super::load_u8(r + 4) as usize;
        if case == 5 {
            return Err(format!("io: {}", super::take_string(super::load_i32(r + 8), super::load_i32(r + 12))));
        }
        Err(ERRORS[case].to_string())
    }

    pub struct Store(i32);

    impl Store {
        pub fn open(name: &str) -> Result<Store, String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                open(name.as_ptr() as i32, name.len() as i32, r);
                outcome(r)?;
                Ok(Store(super::load_i32(r + 4)))
            }
        }

        pub fn get(&self, key: &str) -> Result<Vec<u8>, String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                get(self.0, key.as_ptr() as i32, key.len() as i32, r);
                outcome(r)?;
                Ok(super::take_bytes(super::load_i32(r + 4), super::load_i32(r + 8)))
            }
        }

        pub fn set(&self, key: &str, value: &[u8]) -> Result<(), String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                set(self.0, key.as_ptr() as i32, key.len() as i32, value.as_ptr() as i32, value.len() as i32, r);
                outcome(r)
            }
        }

        pub fn delete(&self, key: &str) -> Result<(), String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                delete(self.0, key.as_ptr() as i32, key.len() as i32, r);
                outcome(r)
            }
        }

        pub fn exists(&self, key: &str) -> Result<bool, String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                exists(self.0, key.as_ptr() as i32, key.len() as i32, r);
                outcome(r)?;
                Ok(super::load_u8(r + 4) != 0)
            }
        }

        pub fn keys(&self) -> Result<Vec<String>, String> {
            let mut ret = super::RetArea::new();
            let r = ret.ptr();
            unsafe {
                get_keys(self.0, r);
                outcome(r)?;
                let (base, len) = (super::load_i32(r + 4), super::load_i32(r + 8));
                let mut out = Vec::new();
                for i in 0..len {
                    out.push(super::take_string(super::load_i32(base + i * 8), super::load_i32(base + i * 8 + 4)));
                }
                if len > 0 {
                    super::canonical_abi_free(base as *mut u8, (len * 8) as usize, 4);
                }
                Ok(out)
            }
        }
    }

    impl Drop for Store {
        fn drop(&mut self) {
            unsafe { close(self.0) }
        }
    }
}

pub mod redis {
    #[link(wasm_import_module = "outbound-redis")]
    extern "C" {
        fn publish(a: i32, al: i32, c: i32, cl: i32, p: i32, pl: i32, ret: i32);
        fn get(a: i32, al: i32, k: i32, kl: i32, ret: i32);
        fn set(a: i32, al: i32, k: i32, kl: i32, v: i32, vl: i32, ret: i32);
        fn incr(a: i32, al: i32, k: i32, kl: i32, ret: i32);
        fn del(a: i32, al: i32, ks: i32, ksl: i32, ret: i32);
        fn sadd(a: i32, al: i32, k: i32, kl: i32, vs: i32, vsl: i32, ret: i32);
        fn smembers(a: i32, al: i32, k: i32, kl: i32, ret: i32);
        fn srem(a: i32, al: i32, k: i32, kl: i32, vs: i32, vsl: i32, ret: i32);
        fn execute(a: i32, al: i32, c: i32, cl: i32, args: i32, argsl: i32, ret: i32);
    }

    /// The interface's only error: `enum error { success, error }`.
    pub type Error = ();

    pub enum Param {
        Int64(i64),
        Binary(Vec<u8>),
    }

    pub enum Value {
        Nil,
        Status(String),
        Int64(i64),
        Binary(Vec<u8>),
    }

    fn s(x: &str) -> (i32, i32) {
        (x.as_ptr() as i32, x.len() as i32)
    }

    /// A list<string> argument: (ptr, len) pairs, kept alive (leaked) for the call.
    fn strings(list: &[String]) -> (i32, i32) {
        let flat: Vec<i32> = list.iter().flat_map(|v| [v.as_ptr() as i32, v.len() as i32]).collect();
        let flat = flat.leak();
        (flat.as_ptr() as i32, list.len() as i32)
    }

    unsafe fn unit(r: i32) -> Result<(), Error> {
        if super::load_u8(r) == 0 { Ok(()) } else { Err(()) }
    }

    unsafe fn int(r: i32) -> Result<i64, Error> {
        unit(r)?;
        Ok(*((r + 8) as *const i64))
    }

    pub fn publish_(addr: &str, channel: &str, payload: &[u8]) -> Result<(), Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (c, cl)) = (s(addr), s(channel));
        unsafe {
            publish(a, al, c, cl, payload.as_ptr() as i32, payload.len() as i32, r);
            unit(r)
        }
    }

    pub fn get_(addr: &str, key: &str) -> Result<Vec<u8>, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl)) = (s(addr), s(key));
        unsafe {
            get(a, al, k, kl, r);
            unit(r)?;
            Ok(super::take_bytes(super::load_i32(r + 4), super::load_i32(r + 8)))
        }
    }

    pub fn set_(addr: &str, key: &str, value: &[u8]) -> Result<(), Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl)) = (s(addr), s(key));
        unsafe {
            set(a, al, k, kl, value.as_ptr() as i32, value.len() as i32, r);
            unit(r)
        }
    }

    pub fn incr_(addr: &str, key: &str) -> Result<i64, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl)) = (s(addr), s(key));
        unsafe {
            incr(a, al, k, kl, r);
            int(r)
        }
    }

    pub fn del_(addr: &str, keys: &[String]) -> Result<i64, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (ks, ksl)) = (s(addr), strings(keys));
        unsafe {
            del(a, al, ks, ksl, r);
            int(r)
        }
    }

    pub fn sadd_(addr: &str, key: &str, values: &[String]) -> Result<i64, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl), (vs, vsl)) = (s(addr), s(key), strings(values));
        unsafe {
            sadd(a, al, k, kl, vs, vsl, r);
            int(r)
        }
    }

    pub fn srem_(addr: &str, key: &str, values: &[String]) -> Result<i64, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl), (vs, vsl)) = (s(addr), s(key), strings(values));
        unsafe {
            srem(a, al, k, kl, vs, vsl, r);
            int(r)
        }
    }

    pub fn smembers_(addr: &str, key: &str) -> Result<Vec<String>, Error> {
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (k, kl)) = (s(addr), s(key));
        unsafe {
            smembers(a, al, k, kl, r);
            unit(r)?;
            let (base, len) = (super::load_i32(r + 4), super::load_i32(r + 8));
            Ok((0..len).map(|i| super::take_string(super::load_i32(base + i * 8), super::load_i32(base + i * 8 + 4))).collect())
        }
    }

    /// `execute`: each parameter is 16 bytes (case at 0, payload at 8), and so is each result.
    pub fn execute_(addr: &str, command: &str, args: &[Param]) -> Result<Vec<Value>, Error> {
        let mut flat: Vec<i64> = Vec::new();
        for p in args {
            match p {
                Param::Int64(n) => flat.extend_from_slice(&[0, *n]),
                Param::Binary(b) => {
                    let b = b.clone().leak();
                    flat.extend_from_slice(&[1, (b.as_ptr() as u32 as i64) | ((b.len() as i64) << 32)]);
                }
            }
        }
        let flat = flat.leak();
        let mut ret = super::RetArea::new();
        let r = ret.ptr();
        let ((a, al), (c, cl)) = (s(addr), s(command));
        unsafe {
            execute(a, al, c, cl, flat.as_ptr() as i32, args.len() as i32, r);
            unit(r)?;
            let (base, len) = (super::load_i32(r + 4), super::load_i32(r + 8));
            Ok((0..len)
                .map(|i| {
                    let e = base + i * 16;
                    match super::load_u8(e) {
                        0 => Value::Nil,
                        1 => Value::Status(super::take_string(super::load_i32(e + 8), super::load_i32(e + 12))),
                        2 => Value::Int64(*((e + 8) as *const i64)),
                        _ => Value::Binary(super::take_bytes(super::load_i32(e + 8), super::load_i32(e + 12))),
                    }
                })
                .collect())
        }
    }
}
