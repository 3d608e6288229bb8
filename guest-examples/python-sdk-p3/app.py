"""A WASIp3 app on Spin's current Python SDK (spin-sdk 5.0.0): it exports
wasi:http/handler@0.3.0, so every request is an async task whose bodies are streams.

Routes:
  /hello      a fixed greeting, through the SDK's buffered Handler
  /echo       the request body streamed back as it is read, chunk by chunk
  /headers    x-p3-in comes back as x-p3-out, with the method and path in the body
  /trap       raises after awaiting the request body: a trap inside a callback
  /never      awaits its own response's `transmitted` future, which the host resolves only
              after the response is sent: the task never completes (a wait jco cannot
              call a deadlock, since the host holds the other end)
  /deadlock   awaits a stream whose writer it holds itself: jco traps (deadlock detected)
  /kv         opens the default key-value store: spin:key-value@3.0.0 is not served to p3
              guests yet, and its async-lowered call would have to suspend: a trap naming it
  /unclosed   sends its head and some bytes, then never closes the body stream
"""
import componentize_py_async_support
from componentize_py_types import Ok
from spin_sdk import key_value, wit
from spin_sdk.http import Handler, Request, Response
from spin_sdk.wit.imports.wasi_http_types_0_3_0 import Fields, Request as WasiRequest, Response as WasiResponse

# Stream ends kept alive on purpose by /never and /unclosed (dropping one would end its stream).
_held = []


def _unit_future():
    return wit.result_unit_wasi_http_types_0_3_0_error_code_future(lambda: Ok(None))[1]


def _trailers_future():
    return wit.result_option_wasi_http_types_0_3_0_fields_wasi_http_types_0_3_0_error_code_future(lambda: Ok(None))[1]


def _streamed(status, headers, body_rx):
    response = WasiResponse.new(Fields.from_list(headers), body_rx, _trailers_future())[0]
    response.set_status_code(status)
    return response


async def _pump(rx, tx):
    """Copies the request body into the response body one read at a time."""
    with rx, tx:
        while not rx.writer_dropped:
            chunk = await rx.read(64 * 1024)
            if chunk:
                await tx.write_all(chunk)


async def _write_then_hang(tx):
    await tx.write_all(b"partial body, never finished\n")
    _held.append(tx)


class HttpHandler(Handler):
    async def handle(self, request: WasiRequest) -> WasiResponse:
        path = request.get_path_with_query() or "/"
        if path == "/echo":
            rx, _trailers = WasiRequest.consume_body(request, _unit_future())
            tx, out = wit.byte_stream()
            componentize_py_async_support.spawn(_pump(rx, tx))
            return _streamed(200, [("content-type", b"application/octet-stream")], out)
        if path == "/trap":
            rx, _trailers = WasiRequest.consume_body(request, _unit_future())
            with rx:
                while not rx.writer_dropped:
                    await rx.read(16 * 1024)
            raise RuntimeError("p3 guest failed on purpose after reading its body")
        if path == "/never":
            _response, transmitted = WasiResponse.new(Fields(), None, _trailers_future())
            await transmitted.read()
            return _response
        if path == "/deadlock":
            tx, rx = wit.byte_stream()
            _held.append(tx)
            await rx.read(1)
            return _streamed(200, [], None)
        if path == "/kv":
            await key_value.open_default()
            return _streamed(200, [], None)
        if path == "/unclosed":
            tx, out = wit.byte_stream()
            componentize_py_async_support.spawn(_write_then_hang(tx))
            return _streamed(200, [("content-type", b"text/plain")], out)
        return await super().handle(request)

    async def handle_request(self, request: Request) -> Response:
        if request.uri == "/hello":
            return Response(200, {"content-type": "text/plain"}, b"Hello from Python on WASIp3!\n")
        if request.uri == "/headers":
            value = request.headers.get("x-p3-in", "(none)")
            body = f"{request.method} {request.uri} x-p3-in={value}\n".encode()
            return Response(200, {"content-type": "text/plain", "x-p3-out": value}, body)
        return Response(404, {"content-type": "text/plain"}, b"no such route\n")
