//! rust-outbound: sends the request it gets on to the URL in its `x-url` header with
//! Spin 1.x's `fermyon:spin/http` `send-request`, and answers what came back.
//!
//! * the method and body go on as they came; only `content-type` is copied;
//! * the answer has the upstream's status, its body, its `content-type`, and
//!   `x-upstream-status`;
//! * a failure answers 502 `{"error":"<http-error>"}` (e.g. `destination-not-allowed`).
//!
//! A relative `x-url` (`/path`) goes to the app itself (`http://self`), and
//! `http://<component>.spin.internal/...` to one of its components.

use spin_ts_sdk::http::{Request, Response};
use spin_ts_sdk::outbound;

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    let url = match req.header("x-url") {
        Some(u) => u.to_string(),
        None => return Response::text(400, "give the target URL in an x-url header\n"),
    };
    let mut headers = Vec::new();
    if let Some(t) = req.header("content-type") {
        headers.push(("content-type".to_string(), t.to_string()));
    }
    let out = Request {
        method: req.method,
        uri: url,
        headers,
        params: Vec::new(),
        body: req.body,
    };
    match outbound::send(&out) {
        Ok(res) => {
            let mut answer = Response::new(res.status)
                .with_header("x-upstream-status", res.status.to_string());
            if let Some(t) = res.header("content-type") {
                answer = answer.with_header("content-type", t.to_string());
            }
            answer.with_body(res.body.unwrap_or_default())
        }
        Err(e) => Response::json(502, format!("{{\"error\":\"{}\"}}", e)),
    }
}
