//! A WASIp3 app on the official spin-sdk crate (7.0.0): `#[http_service]` exports
//! wasi:http/handler@0.3.0, and request and response bodies are streams.
//!
//! Routes: `/hello` a greeting; `/echo` the request body streamed back as it is read;
//! `/headers` x-p3-in comes back as x-p3-out.
use spin_sdk::http::{HeaderMap, HeaderValue, IntoResponse, Request, Response, StatusCode};
use spin_sdk::http_service;

#[http_service]
async fn handle(req: Request) -> impl IntoResponse {
    match req.uri().path() {
        "/hello" => "Hello from Rust on WASIp3!\n".into_response(),
        // The incoming body is itself an http_body::Body: handing it to the response pipes
        // the guest's read of the request stream into its write of the response stream.
        "/echo" => Response::new(req.into_body()).into_response(),
        "/headers" => {
            let value = req.headers().get("x-p3-in").cloned().unwrap_or(HeaderValue::from_static("(none)"));
            let mut headers = HeaderMap::new();
            headers.insert("x-p3-out", value.clone());
            let body = format!("{} {} x-p3-in={}\n", req.method(), req.uri().path(), value.to_str().unwrap_or("?"));
            (StatusCode::OK, headers, body).into_response()
        }
        _ => (StatusCode::NOT_FOUND, String::from("no such route\n")).into_response(),
    }
}
