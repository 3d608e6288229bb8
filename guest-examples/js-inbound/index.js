// A guest of Spin's record-based fermyon:spin/inbound-http interface: echoes the request.
// `?status=N` sets the response status (for tests of out-of-range statuses).
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const inboundHttp = {
  handleRequest(req) {
    const url = new URL(req.uri, 'http://localhost');
    const status = url.searchParams.has('status') ? Number(url.searchParams.get('status')) : 200;
    const echo = {
      method: req.method,
      uri: req.uri,
      headers: Object.fromEntries(req.headers),
      params: req.params,
      body: req.body === undefined ? null : decoder.decode(req.body),
    };
    return {
      status,
      headers: [['content-type', 'application/json'], ['x-guest', 'js-inbound']],
      body: encoder.encode(JSON.stringify(echo)),
    };
  },
};
