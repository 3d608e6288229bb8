//! A Spin 1.x HTTP module that is a WASI reactor: it exports `_initialize`, as TinyGo and
//! Go `-buildmode=c-shared` modules do (their runtimes refuse any export called before it).
//! Its handler answers 500 unless `_initialize` ran, exactly once, before the first export
//! call (canonical_abi_realloc, which the host calls to pass the request, counts too).
use std::sync::atomic::{AtomicU32, Ordering};

#[path = "../spin1-abi/abi.rs"]
mod abi;

use abi::{Request, Response};

static INITIALIZED: AtomicU32 = AtomicU32::new(0);
static CALLS_BEFORE_INIT: AtomicU32 = AtomicU32::new(0);

#[no_mangle]
pub extern "C" fn _initialize() {
    INITIALIZED.fetch_add(1, Ordering::SeqCst);
}

/// Records a call that came before `_initialize` (the host must never make one).
pub fn note_call() {
    if INITIALIZED.load(Ordering::SeqCst) == 0 {
        CALLS_BEFORE_INIT.fetch_add(1, Ordering::SeqCst);
    }
}

fn handle(req: Request) -> Response {
    note_call();
    let runs = INITIALIZED.load(Ordering::SeqCst);
    let early = CALLS_BEFORE_INIT.load(Ordering::SeqCst);
    let ok = runs == 1 && early == 0;
    let body = format!("{} _initialize runs={} calls-before-it={} uri={}\n", if ok { "ok" } else { "bad" }, runs, early, req.uri);
    Response { status: if ok { 200 } else { 500 }, headers: vec![("content-type".into(), "text/plain".into())], body: body.into_bytes() }
}

spin1_handler!(handle);
