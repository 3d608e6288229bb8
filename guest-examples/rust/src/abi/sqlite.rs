//! Canonical ABI glue for the unversioned `fermyon:spin/sqlite`.
//!
//! Layouts:
//! * `value` (variant with an `s64`/`f64` case): 16 bytes, align 8; `u8`
//!   discriminant @0, payload @8 (`s64`, `f64`, or a `(ptr, len)` string/list);
//! * `row-result` = `{ values: list<value> }`: 8 bytes, align 4;
//! * `result<connection, error>`: tag @0, `u32` or the error @4 (error tag @4,
//!   `io` string @8); 16 bytes;
//! * `result<query-result, error>`: tag @0; ok: `columns` @4, `rows` @12; err:
//!   error tag @4, string @8; 20 bytes.

use std::alloc::{self, Layout};

use super::{byte_len, free_list, load_ptr_len, load_u32, load_u8, take_bytes, take_string, trap, RetArea};
use crate::types::sqlite::{Error, QueryResult, RowResult, Value};

mod imports {
    #[link(wasm_import_module = "fermyon:spin/sqlite")]
    extern "C" {
        /// `open: func(database: string) -> result<connection, error>`
        #[link_name = "open"]
        pub fn open(name_ptr: *const u8, name_len: usize, ret: *mut u8);
        /// `execute: func(conn: connection, statement: string,
        ///   parameters: list<value>) -> result<query-result, error>`
        #[link_name = "execute"]
        pub fn execute(conn: u32, stmt_ptr: *const u8, stmt_len: usize, params_ptr: *const u8, params_len: usize, ret: *mut u8);
        /// `close: func(conn: connection)`
        #[link_name = "close"]
        pub fn close(conn: u32);
    }
}

/// A lowered `value`: discriminant, padding, 8-byte payload.
#[repr(C, align(8))]
struct RawValue {
    tag: u32,
    _pad: u32,
    payload: u64,
}

fn lower_value(v: &Value) -> RawValue {
    let ptr_len = |p: *const u8, l: usize| (p as usize as u64) | ((l as u64) << 32);
    let (tag, payload) = match v {
        Value::Integer(i) => (0, *i as u64),
        Value::Real(f) => (1, f.to_bits()),
        Value::Text(s) => (2, ptr_len(s.as_ptr(), s.len())),
        Value::Blob(b) => (3, ptr_len(b.as_ptr(), b.len())),
        Value::Null => (4, 0),
    };
    RawValue { tag, _pad: 0, payload }
}

unsafe fn lift_error(addr: usize) -> Error {
    // SAFETY: `addr` points at an `error` in a return area the host filled.
    unsafe {
        match load_u8(addr) {
            0 => Error::NoSuchDatabase,
            1 => Error::AccessDenied,
            2 => Error::InvalidConnection,
            3 => Error::DatabaseFull,
            4 => {
                let (p, l) = load_ptr_len(addr + 4);
                Error::Io(take_string(p, l))
            }
            _ => trap(),
        }
    }
}

/// Takes ownership of a host-allocated `list<value>` (16-byte, align-8 elements).
unsafe fn take_values(ptr: usize, len: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(len);
    for i in 0..len {
        let elem = ptr + 16 * i;
        // SAFETY: element i of the host's list; strings and blobs are host-allocated.
        unsafe {
            let payload = elem + 8;
            out.push(match load_u8(elem) {
                0 => Value::Integer(std::ptr::read_unaligned(payload as *const i64)),
                1 => Value::Real(std::ptr::read_unaligned(payload as *const f64)),
                2 => {
                    let (p, l) = load_ptr_len(payload);
                    Value::Text(take_string(p, l))
                }
                3 => {
                    let (p, l) = load_ptr_len(payload);
                    Value::Blob(take_bytes(p, l))
                }
                4 => Value::Null,
                _ => trap(),
            });
        }
    }
    if len != 0 {
        // SAFETY: the host allocated it with cabi_realloc(0, 0, 8, len * 16).
        unsafe { alloc::dealloc(ptr as *mut u8, Layout::from_size_align_unchecked(byte_len(len, 16), 8)) };
    }
    out
}

pub(crate) fn sqlite_open(database: &str) -> Result<u32, Error> {
    let mut area = RetArea::<16>([0; 16]);
    let ret = area.0.as_mut_ptr();
    // SAFETY: `database` outlives the call; `ret` is a 16-byte aligned area.
    unsafe { imports::open(database.as_ptr(), database.len(), ret) };
    let base = ret as usize;
    // SAFETY: the host filled the return area according to the layout above.
    unsafe {
        match load_u8(base) {
            0 => Ok(load_u32(base + 4)),
            1 => Err(lift_error(base + 4)),
            _ => trap(),
        }
    }
}

pub(crate) fn sqlite_execute(conn: u32, statement: &str, parameters: &[Value]) -> Result<QueryResult, Error> {
    let lowered: Vec<RawValue> = parameters.iter().map(lower_value).collect();
    let mut area = RetArea::<20>([0; 20]);
    let ret = area.0.as_mut_ptr();
    // SAFETY: the statement, `lowered` and the strings/blobs it points into outlive the call.
    unsafe {
        imports::execute(conn, statement.as_ptr(), statement.len(), lowered.as_ptr() as *const u8, lowered.len(), ret);
    }
    drop(lowered);
    let base = ret as usize;
    // SAFETY: the host filled the return area according to the layout above.
    unsafe {
        match load_u8(base) {
            0 => {
                let (cp, cl) = load_ptr_len(base + 4);
                let mut columns = Vec::with_capacity(cl);
                for i in 0..cl {
                    let (p, l) = load_ptr_len(cp + 8 * i);
                    columns.push(take_string(p, l));
                }
                free_list(cp, cl, 8);
                let (rp, rl) = load_ptr_len(base + 12);
                let mut rows = Vec::with_capacity(rl);
                for i in 0..rl {
                    let (vp, vl) = load_ptr_len(rp + 8 * i);
                    rows.push(RowResult { values: take_values(vp, vl) });
                }
                free_list(rp, rl, 8);
                Ok(QueryResult { columns, rows })
            }
            1 => Err(lift_error(base + 4)),
            _ => trap(),
        }
    }
}

pub(crate) fn sqlite_close(conn: u32) {
    // SAFETY: a plain u32 argument.
    unsafe { imports::close(conn) }
}
