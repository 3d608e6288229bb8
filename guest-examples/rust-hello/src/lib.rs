//! rust-hello: echoes the request back as plain text.
//!
//! ```text
//! method=POST
//! uri=/rust-hello/x?y=1
//! path=/rust-hello/x
//! header content-type: text/plain
//! param spin-path-info=/x
//! body=<the body, or "<none>" when the request has no body>
//! ```

use std::fmt::Write;

use spin_ts_sdk::http::{Request, Response};

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "method={}", req.method);
    let _ = writeln!(out, "uri={}", req.uri);
    let _ = writeln!(out, "path={}", req.path());
    for (name, value) in &req.headers {
        let _ = writeln!(out, "header {}: {}", name, value);
    }
    for (name, value) in &req.params {
        let _ = writeln!(out, "param {}={}", name, value);
    }
    match &req.body {
        Some(_) => {
            let _ = write!(out, "body={}", req.body_text());
        }
        None => out.push_str("body=<none>"),
    }
    Response::text(200, out).with_header("x-guest", "rust-hello")
}
