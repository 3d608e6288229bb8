//! rust-llm: the LLM and variables imports behind three routes.
//!
//! * `POST .../infer` — the body is the prompt; the model comes from the
//!   `x-model` header (default `llama2-chat`). Optional `x-max-tokens` and
//!   `x-temperature` headers switch from the host defaults (`params: none`)
//!   to explicit parameters. Answers
//!   `{"model":..,"text":..,"usage":{"prompt_token_count":..,"generated_token_count":..}}`.
//! * `POST .../embed` — each non-empty body line is one text; the model comes
//!   from `x-model` (default `all-minilm-l6-v2`). Answers
//!   `{"model":..,"count":..,"dimension":..,"norms":[..],"usage":{"prompt_token_count":..}}`.
//! * `GET .../variable/<name>` — the variable's value as text.
//!
//! LLM errors map to `400` (invalid input), `500` (runtime error) and `503`
//! (model not supported), with `{"error":<kind>,"message":<text>}`.
//! Variable errors map to `400` (invalid name), `404` (undefined) and `500`.

use spin_ts_sdk::http::{Request, Response};
use spin_ts_sdk::llm::{self, InferencingParams};
use spin_ts_sdk::variables::{self, VariablesError};

spin_ts_sdk::http_component!(handle);

const DEFAULT_INFER_MODEL: &str = "llama2-chat";
const DEFAULT_EMBED_MODEL: &str = "all-minilm-l6-v2";

fn handle(req: Request) -> Response {
    let path = req.path();
    if path.ends_with("/infer") {
        infer(&req)
    } else if path.ends_with("/embed") {
        embed(&req)
    } else if let Some(i) = path.rfind("/variable/") {
        variable(&path[i + "/variable/".len()..])
    } else {
        Response::text(
            404,
            "routes: POST .../infer, POST .../embed, GET .../variable/<name>\n",
        )
    }
}

fn infer(req: &Request) -> Response {
    let model = req.header("x-model").unwrap_or(DEFAULT_INFER_MODEL);
    let prompt = req.body_text();
    let params = match inferencing_params(req) {
        Ok(p) => p,
        Err(msg) => return error_json(400, "invalid-header", &msg),
    };
    match llm::infer(model, &prompt, params.as_ref()) {
        Ok(result) => Response::json(
            200,
            format!(
                "{{\"model\":{},\"text\":{},\"usage\":{{\"prompt_token_count\":{},\"generated_token_count\":{}}}}}",
                spin_ts_sdk::json::string(model),
                spin_ts_sdk::json::string(&result.text),
                result.usage.prompt_token_count,
                result.usage.generated_token_count
            ),
        ),
        Err(e) => llm_error(e),
    }
}

/// `None` (host defaults) unless `x-max-tokens` or `x-temperature` is set.
fn inferencing_params(req: &Request) -> Result<Option<InferencingParams>, String> {
    let max_tokens = req.header("x-max-tokens");
    let temperature = req.header("x-temperature");
    if max_tokens.is_none() && temperature.is_none() {
        return Ok(None);
    }
    let mut params = InferencingParams::default();
    if let Some(v) = max_tokens {
        params.max_tokens = v
            .trim()
            .parse()
            .map_err(|_| format!("x-max-tokens: not a u32: {}", v))?;
    }
    if let Some(v) = temperature {
        params.temperature = v
            .trim()
            .parse()
            .map_err(|_| format!("x-temperature: not a number: {}", v))?;
    }
    Ok(Some(params))
}

fn embed(req: &Request) -> Response {
    let model = req.header("x-model").unwrap_or(DEFAULT_EMBED_MODEL);
    let body = req.body_text();
    let texts: Vec<&str> = body
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .collect();
    match llm::generate_embeddings(model, &texts) {
        Ok(result) => {
            let norms: Vec<String> = result
                .embeddings
                .iter()
                .map(|v| json_f32(v.iter().map(|x| x * x).sum::<f32>().sqrt()))
                .collect();
            Response::json(
                200,
                format!(
                    "{{\"model\":{},\"count\":{},\"dimension\":{},\"norms\":[{}],\"usage\":{{\"prompt_token_count\":{}}}}}",
                    spin_ts_sdk::json::string(model),
                    result.embeddings.len(),
                    result.embeddings.first().map_or(0, |v| v.len()),
                    norms.join(","),
                    result.usage.prompt_token_count
                ),
            )
        }
        Err(e) => llm_error(e),
    }
}

fn variable(name: &str) -> Response {
    match variables::get(name) {
        Ok(value) => Response::text(200, value),
        Err(e) => {
            let status = match e {
                VariablesError::InvalidName(_) => 400,
                VariablesError::Undefined(_) => 404,
                VariablesError::Provider(_) | VariablesError::Other(_) => 500,
            };
            Response::text(status, e.to_string())
        }
    }
}

fn llm_error(e: llm::Error) -> Response {
    let (status, kind) = match e {
        llm::Error::InvalidInput(_) => (400, "invalid-input"),
        llm::Error::RuntimeError(_) => (500, "runtime-error"),
        llm::Error::ModelNotSupported => (503, "model-not-supported"),
    };
    error_json(status, kind, &e.to_string())
}

fn error_json(status: u16, kind: &str, message: &str) -> Response {
    Response::json(
        status,
        format!(
            "{{\"error\":{},\"message\":{}}}",
            spin_ts_sdk::json::string(kind),
            spin_ts_sdk::json::string(message)
        ),
    )
}


/// A JSON number (`null` for NaN and infinities).
fn json_f32(x: f32) -> String {
    if x.is_finite() {
        format!("{}", x)
    } else {
        "null".to_string()
    }
}
