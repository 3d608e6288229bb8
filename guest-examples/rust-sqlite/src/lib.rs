//! rust-sqlite: the unversioned (Spin 1.x) `fermyon:spin/sqlite` behind two routes.
//!
//! * `POST .../exec?db=<label>` — the body is one SQL statement, run on `<label>`
//!   (default `default`). Answers `{"columns":[..],"rows":[[value, ..], ..]}` where a
//!   value is `{"type":"integer","value":"<decimal>"}`, `{"type":"real","value":<n>}`,
//!   `{"type":"text","value":".."}`, `{"type":"blob","value":[bytes]}` or `{"type":"null"}`.
//! * `GET .../roundtrip` — writes one value of each type through parameters
//!   (including `i64::MIN`/`i64::MAX`) and reads them back; `200 ok` when all match.
//!
//! Errors answer `{"error":{"kind":..,"message":..}}` with 403 (access-denied),
//! 404 (no-such-database), 400 (io) or 500.

use spin_ts_sdk::http::{Request, Response};
use spin_ts_sdk::json;
use spin_ts_sdk::sqlite::{Connection, Error, QueryResult, Value};

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    let path = req.path();
    let db = req
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("db=")))
        .unwrap_or("default")
        .to_string();
    if path.ends_with("/exec") {
        let sql = req.body_text().into_owned();
        match Connection::open(&db).and_then(|c| c.execute(&sql, &[])) {
            Ok(r) => Response::json(200, result_json(&r)),
            Err(e) => error_json(e),
        }
    } else if path.ends_with("/roundtrip") {
        roundtrip(&db)
    } else {
        Response::text(404, "routes: POST .../exec?db=<label>, GET .../roundtrip\n")
    }
}

fn roundtrip(db: &str) -> Response {
    let values = vec![
        Value::Integer(i64::MAX),
        Value::Integer(i64::MIN),
        Value::Real(2.5),
        Value::Text("héllo ☃".to_string()),
        Value::Blob(vec![0, 1, 254, 255]),
        Value::Null,
    ];
    let run = || -> Result<QueryResult, Error> {
        let conn = Connection::open(db)?;
        conn.execute("CREATE TABLE IF NOT EXISTS rust_rt (v)", &[])?;
        conn.execute("DELETE FROM rust_rt", &[])?;
        for v in &values {
            conn.execute("INSERT INTO rust_rt VALUES (?)", std::slice::from_ref(v))?;
        }
        conn.execute("SELECT v FROM rust_rt ORDER BY rowid", &[])
    };
    match run() {
        Ok(r) => {
            let got: Vec<Value> = r.rows.into_iter().flat_map(|row| row.values).collect();
            if got == values && r.columns == ["v"] {
                Response::text(200, "ok")
            } else {
                Response::text(500, format!("mismatch: sent {:?}, got {:?}", values, got))
            }
        }
        Err(e) => error_json(e),
    }
}

fn value_json(v: &Value) -> String {
    match v {
        Value::Integer(i) => format!("{{\"type\":\"integer\",\"value\":\"{}\"}}", i),
        Value::Real(f) => format!("{{\"type\":\"real\",\"value\":{:?}}}", f),
        Value::Text(s) => format!("{{\"type\":\"text\",\"value\":{}}}", json::string(s)),
        Value::Blob(b) => {
            let bytes: Vec<String> = b.iter().map(|x| x.to_string()).collect();
            format!("{{\"type\":\"blob\",\"value\":[{}]}}", bytes.join(","))
        }
        Value::Null => "{\"type\":\"null\"}".to_string(),
    }
}

fn result_json(r: &QueryResult) -> String {
    let columns: Vec<String> = r.columns.iter().map(|c| json::string(c)).collect();
    let rows: Vec<String> = r
        .rows
        .iter()
        .map(|row| format!("[{}]", row.values.iter().map(value_json).collect::<Vec<_>>().join(",")))
        .collect();
    format!("{{\"columns\":[{}],\"rows\":[{}]}}", columns.join(","), rows.join(","))
}

fn error_json(e: Error) -> Response {
    let (status, kind, message) = match e {
        Error::AccessDenied => (403, "access-denied", None),
        Error::NoSuchDatabase => (404, "no-such-database", None),
        Error::InvalidConnection => (500, "invalid-connection", None),
        Error::DatabaseFull => (500, "database-full", None),
        Error::Io(m) => (400, "io", Some(m)),
    };
    let message = message.map(|m| json::string(&m)).unwrap_or_else(|| "null".to_string());
    Response::json(status, format!("{{\"error\":{{\"kind\":\"{}\",\"message\":{}}}}}", kind, message))
}
