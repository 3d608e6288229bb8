//! rust-trap: every request traps (wasm `unreachable`), for testing how the
//! host recovers from a guest that aborts mid-request.

use spin_ts_sdk::http::{Request, Response};

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    if req.path().ends_with("/no-trap") {
        // Lets a test check that a fresh instance still serves requests.
        return Response::text(200, "not trapping");
    }
    core::arch::wasm32::unreachable()
}
