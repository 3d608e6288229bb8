"""A Spin app written with Spin's Python SDK: one handler, routed by path.

Each route exercises one capability the way the SDK's own examples do: key-value,
SQLite, variables, outbound HTTP and the LLM (infer and embeddings). Bad input is a 400
with a message, a capability's error a 4xx/5xx naming it.
"""
import json
from urllib.parse import parse_qs, urlparse

from spin_sdk import http, key_value, llm, mysql, sqlite, variables
from spin_sdk.http import Request, Response, send
from spin_sdk.sqlite import Value_Integer, Value_Text
from spin_sdk.wit.types import Err

MODEL = "llama2-chat"
EMBEDDING_MODEL = "all-minilm-l6-v2"


def text(status, body):
    return Response(status, {"content-type": "text/plain"}, bytes(body, "utf-8"))


def as_json(status, value):
    return Response(status, {"content-type": "application/json"}, bytes(json.dumps(value), "utf-8"))


def error_text(err):
    """An SDK error (`Err(Error_Xxx(value))`) as `Xxx: value`."""
    inner = err.value
    name = type(inner).__name__.split("_", 1)[-1]
    value = getattr(inner, "value", None)
    return name if value is None else f"{name}: {value}"


def hello(request, parts, query):
    return text(200, "Hello from Spin's Python SDK!")


def kv(request, parts, query):
    with key_value.open_default() as store:
        if len(parts) == 1:
            return as_json(200, sorted(store.get_keys()))
        key = "/".join(parts[1:])
        if request.method == "PUT":
            store.set(key, request.body or b"")
            return text(201, f"stored {key}")
        if request.method == "DELETE":
            store.delete(key)
            return text(200, f"deleted {key}")
        value = store.get(key)
        if value is None:
            return text(404, f"no value for {key}")
        return Response(200, {"content-type": "application/octet-stream"}, value)


def todos(request, parts, query):
    with sqlite.open_default() as db:
        db.execute("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0)", [])
        if request.method == "POST":
            try:
                title = json.loads(request.body or b"")["title"]
            except (ValueError, KeyError, TypeError):
                return text(400, 'expected a JSON body like {"title": "..."}')
            if not isinstance(title, str) or not title:
                return text(400, "title must be a non-empty string")
            db.execute("INSERT INTO todos (title) VALUES (?)", [Value_Text(title)])
            row = db.execute("SELECT last_insert_rowid()", []).rows[0]
            return as_json(201, {"id": row.values[0].value, "title": title})
        after = int(query.get("after", ["0"])[0])
        result = db.execute("SELECT id, title, done FROM todos WHERE id > (?) ORDER BY id", [Value_Integer(after)])
        rows = [dict(zip(result.columns, (v.value for v in row.values))) for row in result.rows]
        return as_json(200, rows)


def variable(request, parts, query):
    if len(parts) != 2:
        return text(400, "use /variables/<name>")
    try:
        return text(200, variables.get(parts[1]))
    except Err as err:
        return text(404, error_text(err))


def outbound(request, parts, query):
    url = request.headers.get("url")
    if url is None:
        return text(400, "Please specify the `url` header")
    try:
        upstream = send(Request("GET", url, {"x-via": "python-sdk"}, None))
    except Err as err:
        return text(502, f"outbound request failed: {error_text(err)}")
    return Response(upstream.status, {"content-type": upstream.headers.get("content-type", "text/plain")}, upstream.body)


def infer(request, parts, query):
    prompt = (request.body or b"").decode("utf-8")
    if not prompt:
        return text(400, "send the prompt as the request body")
    try:
        if "max_tokens" in query:
            options = llm.InferencingParams(max_tokens=int(query["max_tokens"][0]), temperature=0.0)
            result = llm.infer_with_options(MODEL, prompt, options)
        else:
            result = llm.infer(MODEL, prompt)
    except Err as err:
        return text(500, error_text(err))
    usage = {"prompt_token_count": result.usage.prompt_token_count, "generated_token_count": result.usage.generated_token_count}
    return as_json(200, {"text": result.text, "usage": usage})


def embed(request, parts, query):
    lines = [line for line in (request.body or b"").decode("utf-8").split("\n") if line]
    try:
        result = llm.generate_embeddings(EMBEDDING_MODEL, lines)
    except Err as err:
        return text(500, error_text(err))
    norms = [sum(x * x for x in vector) ** 0.5 for vector in result.embeddings]
    return as_json(200, {
        "count": len(result.embeddings),
        "dimension": len(result.embeddings[0]) if result.embeddings else 0,
        "norms": norms,
        "prompt_token_count": result.usage.prompt_token_count,
    })


def mysql_query(request, parts, query):
    try:
        mysql.open("mysql://root@127.0.0.1/app")
    except Err as err:
        return text(503, error_text(err))
    return text(200, "connected")


ROUTES = {
    "": hello,
    "kv": kv,
    "todos": todos,
    "variables": variable,
    "outbound": outbound,
    "infer": infer,
    "embed": embed,
    "mysql": mysql_query,
}


class IncomingHandler(http.IncomingHandler):
    def handle_request(self, request: Request) -> Response:
        url = urlparse(request.uri)
        parts = [p for p in url.path.split("/") if p]
        route = ROUTES.get(parts[0] if parts else "")
        if route is None:
            return text(404, f"no route for {url.path}")
        try:
            return route(request, parts, parse_qs(url.query))
        except ValueError as err:
            return text(400, f"bad input: {err}")
