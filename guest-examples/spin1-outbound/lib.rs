//! A Spin 1.x HTTP module (see ../spin1-abi/abi.rs) that uses Spin 1.x's config and outbound
//! HTTP imports: `/config?key=K` answers the config value (404 with the error case when it
//! fails), `/fetch?url=U` sends a GET (a POST with the request body when there is one) and
//! relays the answer, or answers 502 naming the http-error case. `/redis/<op>?addr=A&key=K`
//! runs one Spin 1.x outbound Redis call (set takes the body; sadd, srem and del take
//! comma-separated `values`; execute takes `cmd` and `args`, each `i:<n>` or a string) and
//! answers its result as text, or 500 "error".
#[path = "../spin1-abi/abi.rs"]
mod abi;

use abi::{config, outbound_http, redis, text, Request, Response};

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
    if let Some(op) = path.splitn(2, "/redis/").nth(1) {
        return redis_call(op, &req);
    }
    text(404, "no such route")
}

fn redis_call(op: &str, req: &Request) -> Response {
    let addr = req.query("addr").unwrap_or_default();
    let key = req.query("key").unwrap_or_default();
    let list = |name: &str| -> Vec<String> { req.query(name).unwrap_or_default().split(',').filter(|v| !v.is_empty()).map(String::from).collect() };
    let body = req.body.clone().unwrap_or_default();
    let out: Result<String, ()> = match op {
        "publish" => redis::publish_(&addr, &key, &body).map(|_| "published".into()),
        "set" => redis::set_(&addr, &key, &body).map(|_| "set".into()),
        "get" => redis::get_(&addr, &key).map(|v| String::from_utf8_lossy(&v).into_owned()),
        "incr" => redis::incr_(&addr, &key).map(|n| n.to_string()),
        "del" => redis::del_(&addr, &list("values")).map(|n| n.to_string()),
        "sadd" => redis::sadd_(&addr, &key, &list("values")).map(|n| n.to_string()),
        "srem" => redis::srem_(&addr, &key, &list("values")).map(|n| n.to_string()),
        "smembers" => redis::smembers_(&addr, &key).map(|mut m| {
            m.sort();
            m.join(",")
        }),
        "execute" => {
            let args: Vec<redis::Param> = list("args")
                .into_iter()
                .map(|a| match a.strip_prefix("i:").and_then(|n| n.parse().ok()) {
                    Some(n) => redis::Param::Int64(n),
                    None => redis::Param::Binary(a.into_bytes()),
                })
                .collect();
            redis::execute_(&addr, &req.query("cmd").unwrap_or_default(), &args).map(|values| {
                values
                    .into_iter()
                    .map(|v| match v {
                        redis::Value::Nil => "nil".to_string(),
                        redis::Value::Status(s) => format!("status:{}", s),
                        redis::Value::Int64(n) => format!("int64:{}", n),
                        redis::Value::Binary(b) => format!("binary:{}", String::from_utf8_lossy(&b)),
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
        }
        _ => return text(404, "no such redis operation"),
    };
    match out {
        Ok(t) => text(200, &t),
        Err(()) => text(500, "error"),
    }
}

spin1_handler!(handle);
