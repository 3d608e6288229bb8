"""The same SDK one release back (spin-sdk 4.0.0, componentize-py 0.23.0): its world exports
the release-candidate spelling wasi:http/handler@0.3.0-rc-2026-03-15, which spin-ts serves by
the same path as @0.3.0."""
from spin_sdk.http import Handler, Request, Response


class HttpHandler(Handler):
    async def handle_request(self, request: Request) -> Response:
        body = f"Hello from the rc-2026-03-15 spelling! {request.method} {request.uri}\n".encode()
        return Response(200, {"content-type": "text/plain"}, body)
