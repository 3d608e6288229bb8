//! rust-state: reports the state a request finds, to check that every request
//! runs on what is, to the guest, a fresh instance (test/rust-instance-pool.test.ts).
//!
//! ```text
//! counter=1          a static counter, incremented by this request
//! cache=1            entries in a lazily built cache, this request's key added
//! memory_pages=N     memory.size when the request started
//! first_alloc=P      the address of this request's first heap allocation
//! grown_pages=N      memory.size when the request ended (after /grow/<MiB>)
//! ```
//!
//! `/grow/<MiB>` allocates and touches that many MiB before answering;
//! `/trap` traps after changing the static state.

use std::fmt::Write;

use spin_ts_sdk::http::{Request, Response};

spin_ts_sdk::http_component!(handle);

static mut COUNTER: u32 = 0;
static mut CACHE: Option<Vec<String>> = None;

fn handle(req: Request) -> Response {
    let memory_pages = core::arch::wasm32::memory_size(0);
    let first = Box::new(0u64);
    let first_alloc = &*first as *const u64 as usize;
    // One request at a time per instance: the statics are never shared.
    let (counter, cache) = unsafe {
        COUNTER += 1;
        let cache = CACHE.get_or_insert_with(Vec::new);
        cache.push(req.path().to_string());
        (COUNTER, cache.len())
    };
    let path = req.path().to_string();
    if path.ends_with("/trap") {
        core::arch::wasm32::unreachable()
    }
    let mut kept: Vec<Vec<u8>> = Vec::new();
    if let Some(mib) = path.rsplit("/grow/").nth(0).filter(|_| path.contains("/grow/")).and_then(|n| n.parse::<usize>().ok()) {
        for _ in 0..mib {
            kept.push(vec![0xa5; 1024 * 1024]);
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "counter={}", counter);
    let _ = writeln!(out, "cache={}", cache);
    let _ = writeln!(out, "memory_pages={}", memory_pages);
    let _ = writeln!(out, "first_alloc={}", first_alloc);
    let _ = write!(out, "grown_pages={}", core::arch::wasm32::memory_size(0));
    drop(kept);
    Response::text(200, out).with_header("x-guest", "rust-state")
}
