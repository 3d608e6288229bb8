//! Canonical ABI glue for the unversioned (Spin 1.x) `fermyon:spin/key-value`.
//!
//! Every function but `close` returns a `result<T, error>` through a return area:
//! tag `u8` @0, then the payload @4 (everything here aligns to 4): `store` as `u32`,
//! `list<u8>`/`list<string>` as `(ptr, len)`, `bool` as `u8`; the `error` is its own
//! `u8` tag @4 and, for `io`, a `(ptr, len)` string @8. 16 bytes in all.

use super::{free_list, load_ptr_len, load_u32, load_u8, take_bytes, take_string, trap, RetArea};
use crate::types::key_value::Error;

mod imports {
    #[link(wasm_import_module = "fermyon:spin/key-value")]
    extern "C" {
        /// `open: func(name: string) -> result<store, error>`
        #[link_name = "open"]
        pub fn open(name_ptr: *const u8, name_len: usize, ret: *mut u8);
        /// `get: func(store: store, key: string) -> result<list<u8>, error>`
        #[link_name = "get"]
        pub fn get(store: u32, key_ptr: *const u8, key_len: usize, ret: *mut u8);
        /// `set: func(store: store, key: string, value: list<u8>) -> result<_, error>`
        #[link_name = "set"]
        pub fn set(store: u32, key_ptr: *const u8, key_len: usize, value_ptr: *const u8, value_len: usize, ret: *mut u8);
        /// `delete: func(store: store, key: string) -> result<_, error>`
        #[link_name = "delete"]
        pub fn delete(store: u32, key_ptr: *const u8, key_len: usize, ret: *mut u8);
        /// `exists: func(store: store, key: string) -> result<bool, error>`
        #[link_name = "exists"]
        pub fn exists(store: u32, key_ptr: *const u8, key_len: usize, ret: *mut u8);
        /// `get-keys: func(store: store) -> result<list<string>, error>`
        #[link_name = "get-keys"]
        pub fn get_keys(store: u32, ret: *mut u8);
        /// `close: func(store: store)`
        #[link_name = "close"]
        pub fn close(store: u32);
    }
}

unsafe fn lift_error(addr: usize) -> Error {
    // SAFETY: `addr` points at an `error` in a return area the host filled.
    unsafe {
        match load_u8(addr) {
            0 => Error::StoreTableFull,
            1 => Error::NoSuchStore,
            2 => Error::AccessDenied,
            3 => Error::InvalidStore,
            4 => Error::NoSuchKey,
            5 => {
                let (p, l) = load_ptr_len(addr + 4);
                Error::Io(take_string(p, l))
            }
            _ => trap(),
        }
    }
}

/// Calls `f` with a fresh 16-byte return area, then lifts the `ok` payload with `ok`.
fn call<T>(f: impl FnOnce(*mut u8), ok: impl FnOnce(usize) -> T) -> Result<T, Error> {
    let mut area = RetArea::<16>([0; 16]);
    let ret = area.0.as_mut_ptr();
    f(ret);
    let base = ret as usize;
    // SAFETY: the host filled the return area according to the layout above.
    unsafe {
        match load_u8(base) {
            0 => Ok(ok(base + 4)),
            1 => Err(lift_error(base + 4)),
            _ => trap(),
        }
    }
}

pub(crate) fn kv_open(name: &str) -> Result<u32, Error> {
    // SAFETY: `name` outlives the call; the return area is 16 bytes, aligned to 4.
    call(|ret| unsafe { imports::open(name.as_ptr(), name.len(), ret) }, |at| unsafe { load_u32(at) })
}

pub(crate) fn kv_get(store: u32, key: &str) -> Result<Vec<u8>, Error> {
    call(
        // SAFETY: `key` outlives the call.
        |ret| unsafe { imports::get(store, key.as_ptr(), key.len(), ret) },
        // SAFETY: a host-allocated list<u8> we now own.
        |at| unsafe {
            let (p, l) = load_ptr_len(at);
            take_bytes(p, l)
        },
    )
}

pub(crate) fn kv_set(store: u32, key: &str, value: &[u8]) -> Result<(), Error> {
    // SAFETY: `key` and `value` outlive the call.
    call(|ret| unsafe { imports::set(store, key.as_ptr(), key.len(), value.as_ptr(), value.len(), ret) }, |_| ())
}

pub(crate) fn kv_delete(store: u32, key: &str) -> Result<(), Error> {
    // SAFETY: `key` outlives the call.
    call(|ret| unsafe { imports::delete(store, key.as_ptr(), key.len(), ret) }, |_| ())
}

pub(crate) fn kv_exists(store: u32, key: &str) -> Result<bool, Error> {
    // SAFETY: `key` outlives the call.
    call(|ret| unsafe { imports::exists(store, key.as_ptr(), key.len(), ret) }, |at| unsafe { load_u8(at) != 0 })
}

pub(crate) fn kv_get_keys(store: u32) -> Result<Vec<String>, Error> {
    call(
        // SAFETY: a plain handle argument.
        |ret| unsafe { imports::get_keys(store, ret) },
        // SAFETY: a host-allocated list<string> (8-byte elements) we now own, strings included.
        |at| unsafe {
            let (lp, ll) = load_ptr_len(at);
            let mut keys = Vec::with_capacity(ll);
            for i in 0..ll {
                let (p, l) = load_ptr_len(lp + 8 * i);
                keys.push(take_string(p, l));
            }
            free_list(lp, ll, 8);
            keys
        },
    )
}

pub(crate) fn kv_close(store: u32) {
    // SAFETY: a plain u32 argument.
    unsafe { imports::close(store) }
}
