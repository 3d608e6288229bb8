//! rust-kv: the unversioned (Spin 1.x) `fermyon:spin/key-value` behind one route.
//!
//! * `GET .../<key>?store=<label>` — the value (404 `no-such-key` when there is none);
//! * `PUT .../<key>` — sets the body as the value; `DELETE .../<key>` removes it;
//! * `HEAD .../<key>` — 200 when the key exists, 404 when not;
//! * `GET .../?keys` — every key, one per line.
//!
//! The store is `?store=<label>` (default `default`). Errors answer
//! `{"error":{"kind":..,"message":..}}`: 403 access-denied, 404 no-such-store or
//! no-such-key, 400 io, 500 otherwise.

use spin_ts_sdk::http::{Method, Request, Response};
use spin_ts_sdk::json;
use spin_ts_sdk::key_value::{Error, Store};

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    let query = req.query().unwrap_or("").to_string();
    let label = query.split('&').find_map(|kv| kv.strip_prefix("store=")).unwrap_or("default").to_string();
    let key = req.path().rsplit('/').next().unwrap_or("").to_string();
    let store = match Store::open(&label) {
        Ok(s) => s,
        Err(e) => return error_json(e),
    };
    let result = if query.split('&').any(|kv| kv == "keys") {
        store.get_keys().map(|mut keys| {
            keys.sort();
            Response::text(200, keys.join("\n"))
        })
    } else {
        match req.method {
            Method::Get => store.get(&key).map(|v| Response::new(200).with_body(v)),
            Method::Put | Method::Post => store.set(&key, req.body_bytes()).map(|_| Response::new(204)),
            Method::Delete => store.delete(&key).map(|_| Response::new(204)),
            Method::Head => store.exists(&key).map(|e| Response::new(if e { 200 } else { 404 })),
            _ => Ok(Response::text(405, "GET, PUT, DELETE or HEAD\n")),
        }
    };
    result.unwrap_or_else(error_json)
}

fn error_json(e: Error) -> Response {
    let (status, kind, message) = match e {
        Error::AccessDenied => (403, "access-denied", None),
        Error::NoSuchStore => (404, "no-such-store", None),
        Error::NoSuchKey => (404, "no-such-key", None),
        Error::StoreTableFull => (500, "store-table-full", None),
        Error::InvalidStore => (500, "invalid-store", None),
        Error::Io(m) => (400, "io", Some(m)),
    };
    let message = message.map(|m| json::string(&m)).unwrap_or_else(|| "null".to_string());
    Response::json(status, format!("{{\"error\":{{\"kind\":\"{}\",\"message\":{}}}}}", kind, message))
}
