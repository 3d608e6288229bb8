//! A Spin 1.x HTTP module (the pre-component ABI, see ../spin1-abi/abi.rs) that echoes the
//! request: method, uri, Spin's headers and params, then the body after a blank line. It
//! imports nothing but WASI preview1 (stdout: one log line).
#[path = "../spin1-abi/abi.rs"]
mod abi;

use abi::{Request, Response};

fn handle(req: Request) -> Response {
    println!("spin1-echo: {} {}", abi::METHODS[req.method], req.uri);
    let mut out = format!("method={}\nuri={}\n", abi::METHODS[req.method], req.uri);
    let mut headers = req.headers.clone();
    headers.sort();
    for (k, v) in &headers {
        out.push_str(&format!("header {}={}\n", k, v));
    }
    for (k, v) in &req.params {
        out.push_str(&format!("param {}={}\n", k, v));
    }
    out.push_str(&format!("body-present={}\n\n", req.body.is_some()));
    let mut body = out.into_bytes();
    body.extend_from_slice(req.body.as_deref().unwrap_or(&[]));
    let status = req.query("status").and_then(|s| s.parse().ok()).unwrap_or(200);
    Response { status, headers: vec![("content-type".into(), "text/plain".into()), ("x-spin1".into(), "echo".into())], body }
}

spin1_handler!(handle);
