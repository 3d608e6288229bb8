//! A Spin 1.x HTTP module (see ../spin1-abi/abi.rs) over Spin 1.x's key-value import:
//! `/kv/<key>?store=S` — GET reads (404 no-such-key), PUT/POST writes the body, DELETE
//! deletes, HEAD answers exists as 200/404; `/kv?store=S` lists the keys. A store error
//! answers 403 (access-denied), 404 (no-such-store) or 500, with the error case as the body.
#[path = "../spin1-abi/abi.rs"]
mod abi;

use abi::{key_value::Store, text, Request, Response};

fn status_of(err: &str) -> u16 {
    match err {
        "access-denied" => 403,
        "no-such-store" | "no-such-key" => 404,
        _ => 500,
    }
}

fn handle(req: Request) -> Response {
    let store_name = req.query("store").unwrap_or_else(|| "default".to_string());
    let store = match Store::open(&store_name) {
        Ok(s) => s,
        Err(e) => return text(status_of(&e), &e),
    };
    let path = req.path().to_string();
    let key = path.splitn(2, "/kv/").nth(1).unwrap_or("").to_string();
    let result = if key.is_empty() {
        store.keys().map(|mut keys| {
            keys.sort();
            text(200, &keys.join("\n"))
        })
    } else {
        match abi::METHODS[req.method] {
            "GET" => store.get(&key).map(|v| Response { status: 200, headers: vec![], body: v }),
            "PUT" | "POST" => store.set(&key, req.body.as_deref().unwrap_or(&[])).map(|_| text(201, "stored")),
            "DELETE" => store.delete(&key).map(|_| text(200, "deleted")),
            "HEAD" => store.exists(&key).map(|e| text(if e { 200 } else { 404 }, "")),
            _ => Ok(text(405, "method not allowed")),
        }
    };
    result.unwrap_or_else(|e| text(status_of(&e), &e))
}

spin1_handler!(handle);
