//! rust-abi-probe: a test-only guest that reports exactly what crossed the
//! canonical ABI, for `test/rust-abi.test.ts`. Not an example to copy.
//!
//! Routes (by path suffix); every JSON answer is `{"ok":..}` or
//! `{"err":{"tag":..,"val":..}}` for calls into imports:
//! * `/echo` — status from `x-status` (default 200); headers are
//!   `x-echo: <JSON of the lifted request>` followed by the request headers,
//!   or `none` with `x-no-headers`; the body is the request body as-is
//!   (`none` stays `none`).
//! * `/infer` — `llm::infer(x-model, body, params)`; `params` is `none`
//!   unless `x-params: max_tokens,repeat_penalty,last_n,temperature,top_k,top_p`
//!   where the f32 fields are given as hex bit patterns. `x-repeat: n` calls it
//!   n times (all results must agree).
//! * `/embed` — `llm::generate_embeddings(x-model, [each x-text header])`;
//!   f32 values come back as their bit patterns (u32).
//! * `/var` — `variables::get(x-name)`.
//! * `/memory` — `{"pages": <memory size in 64 KiB pages>}`.
//! * `/panic` — panics (a trap).
//! * `/bare` — status 204, headers `none`, body `none`.

use std::fmt::Write;

use spin_ts_sdk::http::{Request, Response};
use spin_ts_sdk::llm::{self, InferencingParams};
use spin_ts_sdk::variables::{self, VariablesError};

spin_ts_sdk::http_component!(handle);

fn handle(req: Request) -> Response {
    let path = req.path().to_string();
    if path.ends_with("/echo") {
        echo(req)
    } else if path.ends_with("/infer") {
        infer(&req)
    } else if path.ends_with("/embed") {
        embed(&req)
    } else if path.ends_with("/var") {
        var(&req)
    } else if path.ends_with("/memory") {
        json(format!(
            "{{\"pages\":{}}}",
            core::arch::wasm32::memory_size(0)
        ))
    } else if path.ends_with("/panic") {
        panic!("probe panic")
    } else if path.ends_with("/bare") {
        Response::new(204)
    } else {
        Response::text(404, format!("no route {}", path))
    }
}

fn echo(req: Request) -> Response {
    let status = match req.header("x-status") {
        Some(s) => s.parse().unwrap_or(599),
        None => 200,
    };
    let mut meta = String::new();
    let _ = write!(
        meta,
        "{{\"method\":{},\"uri\":{},\"path\":{},\"headers\":{},\"params\":{},\"body\":{}}}",
        spin_ts_sdk::json::string(req.method.as_str()),
        spin_ts_sdk::json::string(&req.uri),
        spin_ts_sdk::json::string(req.path()),
        json_pairs(&req.headers),
        json_pairs(&req.params),
        match &req.body {
            Some(b) => b.len().to_string(),
            None => "null".to_string(),
        }
    );
    let headers = if req.header("x-no-headers").is_some() {
        None
    } else {
        let mut h = vec![("x-echo".to_string(), meta)];
        h.extend(req.headers);
        Some(h)
    };
    Response {
        status,
        headers,
        body: req.body,
    }
}

fn infer(req: &Request) -> Response {
    let model = req.header("x-model").unwrap_or("");
    let prompt = req.body_text();
    let params = req.header("x-params").map(parse_params);
    let repeat: u32 = req
        .header("x-repeat")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut first: Option<String> = None;
    for _ in 0..repeat {
        let out = match llm::infer(model, &prompt, params.as_ref()) {
            Ok(r) => format!(
                "{{\"ok\":{{\"text\":{},\"prompt_token_count\":{},\"generated_token_count\":{}}}}}",
                spin_ts_sdk::json::string(&r.text),
                r.usage.prompt_token_count,
                r.usage.generated_token_count
            ),
            Err(e) => llm_err(e),
        };
        match &first {
            None => first = Some(out),
            Some(f) if *f != out => return Response::text(500, "results differ"),
            Some(_) => {}
        }
    }
    json(first.unwrap_or_default())
}

fn parse_params(s: &str) -> InferencingParams {
    let f: Vec<&str> = s.split(',').map(str::trim).collect();
    let u = |i: usize| f.get(i).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
    let bits = |i: usize| {
        f32::from_bits(
            f.get(i)
                .and_then(|v| u32::from_str_radix(v, 16).ok())
                .unwrap_or(0),
        )
    };
    InferencingParams {
        max_tokens: u(0),
        repeat_penalty: bits(1),
        repeat_penalty_last_n_token_count: u(2),
        temperature: bits(3),
        top_k: u(4),
        top_p: bits(5),
    }
}

fn embed(req: &Request) -> Response {
    let model = req.header("x-model").unwrap_or("");
    let texts: Vec<&str> = req.header_all("x-text").collect();
    json(match llm::generate_embeddings(model, &texts) {
        Ok(r) => {
            let vectors: Vec<String> = r
                .embeddings
                .iter()
                .map(|v| {
                    let bits: Vec<String> = v.iter().map(|x| x.to_bits().to_string()).collect();
                    format!("[{}]", bits.join(","))
                })
                .collect();
            format!(
                "{{\"ok\":{{\"embeddings\":[{}],\"prompt_token_count\":{}}}}}",
                vectors.join(","),
                r.usage.prompt_token_count
            )
        }
        Err(e) => llm_err(e),
    })
}

fn var(req: &Request) -> Response {
    let name = req.header("x-name").unwrap_or("");
    json(match variables::get(name) {
        Ok(v) => format!("{{\"ok\":{}}}", spin_ts_sdk::json::string(&v)),
        Err(e) => {
            let (tag, val) = match &e {
                VariablesError::InvalidName(v) => ("invalid-name", v),
                VariablesError::Undefined(v) => ("undefined", v),
                VariablesError::Provider(v) => ("provider", v),
                VariablesError::Other(v) => ("other", v),
            };
            err_json(tag, Some(val))
        }
    })
}

fn llm_err(e: llm::Error) -> String {
    match &e {
        llm::Error::ModelNotSupported => err_json("model-not-supported", None),
        llm::Error::RuntimeError(v) => err_json("runtime-error", Some(v)),
        llm::Error::InvalidInput(v) => err_json("invalid-input", Some(v)),
    }
}

fn err_json(tag: &str, val: Option<&String>) -> String {
    match val {
        Some(v) => format!(
            "{{\"err\":{{\"tag\":{},\"val\":{}}}}}",
            spin_ts_sdk::json::string(tag),
            spin_ts_sdk::json::string(v)
        ),
        None => format!("{{\"err\":{{\"tag\":{}}}}}", spin_ts_sdk::json::string(tag)),
    }
}

fn json(body: String) -> Response {
    Response::json(200, body)
}

fn json_pairs(pairs: &[(String, String)]) -> String {
    let items: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("[{},{}]", spin_ts_sdk::json::string(k), spin_ts_sdk::json::string(v)))
        .collect();
    format!("[{}]", items.join(","))
}

