//! A Spin HTTP component written with the official `spin-sdk` crate: one `Router`, a route per
//! capability (key-value, SQLite, variables, outbound HTTP, LLM infer and embeddings).
use anyhow::Result;
use serde::Deserialize;
use spin_sdk::{
    http::{IntoResponse, Params, Request, Response, Router},
    http_component,
    key_value::Store,
    llm, sqlite, variables,
};

#[http_component]
async fn handle(req: Request) -> Response {
    let mut router = Router::new();
    router.get("/hello/:name", hello);
    router.get("/kv", kv::list);
    router.get("/kv/:key", kv::get);
    router.put("/kv/:key", kv::put);
    router.delete("/kv/:key", kv::delete);
    router.get("/todos", todos::list);
    router.post("/todos", todos::add);
    router.get("/variables/:name", variable);
    router.get_async("/outbound", outbound);
    router.post("/infer", ai::infer);
    router.post("/embed", ai::embed);
    router.handle_async(req).await
}

fn text(status: u16, body: impl Into<String>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(body.into())
        .build()
}

fn json(status: u16, value: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(value.to_string())
        .build()
}

fn hello(_req: Request, params: Params) -> Result<impl IntoResponse> {
    Ok(text(
        200,
        format!("Hello, {}!", params.get("name").unwrap_or("world")),
    ))
}

mod kv {
    use super::*;

    pub fn list(_req: Request, _params: Params) -> Result<impl IntoResponse> {
        let mut keys = Store::open_default()?.get_keys()?;
        keys.sort();
        Ok(json(200, serde_json::json!(keys)))
    }

    pub fn get(_req: Request, params: Params) -> Result<impl IntoResponse> {
        let key = params.get("key").unwrap_or_default();
        Ok(match Store::open_default()?.get(key)? {
            Some(value) => Response::builder()
                .status(200)
                .header("content-type", "application/octet-stream")
                .body(value)
                .build(),
            None => text(404, format!("no value for {key}")),
        })
    }

    pub fn put(req: Request, params: Params) -> Result<impl IntoResponse> {
        let key = params.get("key").unwrap_or_default();
        Store::open_default()?.set(key, req.body())?;
        Ok(text(201, format!("stored {key}")))
    }

    pub fn delete(_req: Request, params: Params) -> Result<impl IntoResponse> {
        let key = params.get("key").unwrap_or_default();
        Store::open_default()?.delete(key)?;
        Ok(text(200, format!("deleted {key}")))
    }
}

mod todos {
    use super::*;
    use sqlite::{Connection, Value};

    #[derive(Deserialize)]
    struct NewTodo {
        title: String,
    }

    fn open() -> Result<Connection> {
        let db = Connection::open_default()?;
        db.execute("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0)", &[])?;
        Ok(db)
    }

    pub fn add(req: Request, _params: Params) -> Result<impl IntoResponse> {
        let todo: NewTodo = match serde_json::from_slice(req.body()) {
            Ok(todo) => todo,
            Err(e) => {
                return Ok(text(
                    400,
                    format!("expected a JSON body like {{\"title\": \"...\"}}: {e}"),
                ))
            }
        };
        if todo.title.is_empty() {
            return Ok(text(400, "title must not be empty"));
        }
        let db = open()?;
        db.execute(
            "INSERT INTO todos (title) VALUES (?)",
            &[Value::Text(todo.title.clone())],
        )?;
        let id: i64 = db
            .execute("SELECT last_insert_rowid() AS id", &[])?
            .rows()
            .next()
            .and_then(|r| r.get("id"))
            .unwrap_or_default();
        Ok(json(
            201,
            serde_json::json!({ "id": id, "title": todo.title }),
        ))
    }

    pub fn list(req: Request, _params: Params) -> Result<impl IntoResponse> {
        let after = match req.query().strip_prefix("after=") {
            None => 0,
            Some(n) => match n.parse::<i64>() {
                Ok(n) => n,
                Err(e) => return Ok(text(400, format!("after must be an integer: {e}"))),
            },
        };
        let result = open()?.execute(
            "SELECT id, title, done FROM todos WHERE id > ? ORDER BY id",
            &[Value::Integer(after)],
        )?;
        let rows: Vec<_> = result
            .rows()
            .map(|r| serde_json::json!({ "id": r.get::<i64>("id"), "title": r.get::<&str>("title"), "done": r.get::<i64>("done") }))
            .collect();
        Ok(json(200, serde_json::json!(rows)))
    }
}

fn variable(_req: Request, params: Params) -> Result<impl IntoResponse> {
    Ok(
        match variables::get(params.get("name").unwrap_or_default()) {
            Ok(value) => text(200, value),
            Err(e) => text(404, format!("{e:?}")),
        },
    )
}

async fn outbound(req: Request, _params: Params) -> Result<impl IntoResponse> {
    let Some(url) = req.header("url").and_then(|v| v.as_str()) else {
        return Ok(text(400, "Please specify the `url` header"));
    };
    let upstream = Request::get(url).header("x-via", "rust-sdk").build();
    Ok(match spin_sdk::http::send::<_, Response>(upstream).await {
        Ok(res) => text(*res.status(), String::from_utf8_lossy(res.body())),
        Err(e) => text(502, format!("outbound request failed: {e:?}")),
    })
}

mod ai {
    use super::*;
    use llm::{EmbeddingModel, InferencingModel, InferencingParams};

    pub fn infer(req: Request, _params: Params) -> Result<impl IntoResponse> {
        let prompt = String::from_utf8_lossy(req.body()).into_owned();
        if prompt.is_empty() {
            return Ok(text(400, "send the prompt as the request body"));
        }
        let result = match req
            .query()
            .strip_prefix("max_tokens=")
            .map(str::parse::<u32>)
        {
            None => llm::infer(InferencingModel::Llama2Chat, &prompt),
            Some(Ok(max_tokens)) => llm::infer_with_options(
                InferencingModel::Llama2Chat,
                &prompt,
                InferencingParams {
                    max_tokens,
                    temperature: 0.0,
                    ..Default::default()
                },
            ),
            Some(Err(e)) => return Ok(text(400, format!("max_tokens must be a number: {e}"))),
        };
        Ok(match result {
            Ok(r) => json(
                200,
                serde_json::json!({ "text": r.text, "usage": { "prompt_token_count": r.usage.prompt_token_count, "generated_token_count": r.usage.generated_token_count } }),
            ),
            Err(e) => text(500, format!("{e:?}")),
        })
    }

    pub fn embed(req: Request, _params: Params) -> Result<impl IntoResponse> {
        let lines: Vec<String> = String::from_utf8_lossy(req.body())
            .lines()
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        Ok(
            match llm::generate_embeddings(EmbeddingModel::AllMiniLmL6V2, &lines) {
                Ok(r) => {
                    let norms: Vec<f32> = r
                        .embeddings
                        .iter()
                        .map(|v| v.iter().map(|x| x * x).sum::<f32>().sqrt())
                        .collect();
                    let dimension = r.embeddings.first().map_or(0, Vec::len);
                    json(
                        200,
                        serde_json::json!({ "count": r.embeddings.len(), "dimension": dimension, "norms": norms, "prompt_token_count": r.usage.prompt_token_count }),
                    )
                }
                Err(e) => text(500, format!("{e:?}")),
            },
        )
    }
}
