//! A Spin 1.x HTTP module (see ../spin1-abi/abi.rs) that uses Spin 1.x's config and outbound
//! HTTP imports: `/config?key=K` answers the config value (404 with the error case when it
//! fails), `/fetch?url=U` sends a GET (a POST with the request body when there is one) and
//! relays the answer, or answers 502 naming the http-error case.
#[path = "../spin1-abi/abi.rs"]
mod abi;

use abi::{config, outbound_http, text, Request, Response};

fn handle(req: Request) -> Response {
    let path = req.path().to_string();
    if path.ends_with("/config") {
        let key = req.query("key").unwrap_or_default();
        return match config::get(&key) {
            Ok(v) => text(200, &v),
            Err((case, msg)) => text(404, &format!("{}: {}", case, msg)),
        };
    }
    if path.ends_with("/fetch") {
        let url = req.query("url").unwrap_or_default();
        let headers = vec![("x-from".to_string(), "spin1-outbound".to_string())];
        let (method, body) = match &req.body {
            Some(b) if !b.is_empty() => (1, Some(b.as_slice())),
            _ => (0, None),
        };
        return match outbound_http::send(method, &url, &headers, body) {
            Ok(mut r) => {
                r.headers.retain(|(k, _)| k.eq_ignore_ascii_case("content-type") || k.starts_with("x-"));
                r
            }
            Err(e) => text(502, e),
        };
    }
    text(404, "no such route")
}

spin1_handler!(handle);
