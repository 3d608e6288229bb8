// A guest that calls the LLM (fermyon:spin/llm@2.0.0) and reads a variable.
//   POST /infer         body: {"model","prompt","params"?}  → {"text","usage"} or {"error"}
//   POST /embed         body: {"model","input":[...]}       → {"count","dimension","norms","embeddings","usage"}
//   GET  /variable/NAME                                     → the variable's value
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from 'wasi:http/types@0.2.3';
import { infer, generateEmbeddings } from 'fermyon:spin/llm@2.0.0';
import { get } from 'fermyon:spin/variables@2.0.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Spin's inferencing-params defaults (what the host uses for `none`). The WIT record has no
// optional fields, so a field the request leaves out must be filled in here: passed as
// undefined it would reach the host as NaN.
const DEFAULT_PARAMS = Object.freeze({
  maxTokens: 100,
  repeatPenalty: 1.1,
  repeatPenaltyLastNTokenCount: 64,
  temperature: 0.8,
  topK: 40,
  topP: 0.9,
});

// `params` absent → none (the host's defaults); present → every field, missing ones defaulted.
function inferencingParams(params) {
  if (params === undefined || params === null) return undefined;
  const out = {};
  for (const [name, fallback] of Object.entries(DEFAULT_PARAMS)) out[name] = params[name] ?? fallback;
  return out;
}

function readBody(request) {
  const stream = request.consume().stream();
  const chunks = [];
  for (;;) {
    try {
      chunks.push(stream.blockingRead(65536n));
    } catch (e) {
      if (e.payload && e.payload.tag === 'closed') break;
      throw e;
    }
  }
  stream[Symbol.dispose]?.();
  return decoder.decode(Uint8Array.from(chunks.flatMap((c) => [...c])));
}

function respond(responseOut, status, value) {
  const headers = new Fields();
  headers.append('content-type', encoder.encode('application/json'));
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: 'ok', val: response });
  const out = body.write();
  out.blockingWriteAndFlush(encoder.encode(JSON.stringify(value) + '\n'));
  out[Symbol.dispose]?.();
  OutgoingBody.finish(body, undefined);
}

// An llm error variant as JSON: {"error": {"kind", "message"}}.
function llmError(e) {
  const p = e && e.payload;
  if (!p) return { status: 500, body: { error: { kind: 'trap', message: String(e) } } };
  const status = p.tag === 'invalid-input' ? 400 : p.tag === 'model-not-supported' ? 404 : 500;
  return { status, body: { error: { kind: p.tag, message: p.val ?? null } } };
}

export const incomingHandler = {
  handle(request, responseOut) {
    const path = (request.pathWithQuery() ?? '/').split('?')[0];
    try {
      if (path.endsWith('/infer')) {
        const req = JSON.parse(readBody(request));
        const result = infer(req.model, req.prompt, inferencingParams(req.params));
        return respond(responseOut, 200, result);
      }
      if (path.endsWith('/embed')) {
        const req = JSON.parse(readBody(request));
        const result = generateEmbeddings(req.model, req.input);
        const embeddings = result.embeddings.map((v) => Array.from(v));
        const norms = embeddings.map((v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)));
        return respond(responseOut, 200, {
          count: embeddings.length,
          dimension: embeddings[0] ? embeddings[0].length : 0,
          norms,
          embeddings,
          usage: result.usage,
        });
      }
      const m = /\/variable\/([^/]+)$/.exec(path);
      if (m) {
        try {
          return respond(responseOut, 200, { value: get(m[1]) });
        } catch (e) {
          return respond(responseOut, 404, { error: { kind: e.payload?.tag, message: e.payload?.val } });
        }
      }
      return respond(responseOut, 404, { error: { kind: 'not-found', message: `no handler for ${path}` } });
    } catch (e) {
      const { status, body } = llmError(e);
      return respond(responseOut, status, body);
    }
  },
};
