/**
 * llama-server's POST /tokenize and POST /detokenize, on any engine that can tokenize:
 *
 *   POST /tokenize   {content, add_special?: false, with_pieces?: false, model?}
 *                    → {tokens: [id, …]}, or with with_pieces {tokens: [{id, piece}, …]}
 *                      (piece: the token's text, or its bytes as numbers when alone it is no text)
 *   POST /detokenize {tokens: [id, …], model?} → {content}
 *
 * `model` is optional, as llama-server serves one model: without it, the one loaded model is
 * used (or the one available model when none is loaded yet); with several, the request must name one.
 */
import type { LlmEngine } from '../llm/engine.js';
import type { ApiContext } from './context.js';
import { ApiError, fromEngineError } from './errors.js';
import { promptTooLong } from './limits.js';
import { describeValue, Fields, readJsonObject } from './request.js';

function unsupported(what: string): ApiError {
  return new ApiError(501, `${what} is not available: the engine behind this server cannot tokenize`, 'invalid_request_error', 'unsupported_endpoint');
}

/** The model a request names, else the only one it can mean. */
async function modelFor(f: Fields, engine: LlmEngine): Promise<string> {
  if (f.has('model')) return f.requiredString('model', 'a model id (see GET /v1/models)');
  let models;
  try {
    models = await engine.listModels();
  } catch (err) {
    throw ApiError.server(`cannot list models: ${(err as Error).message}`);
  }
  const loaded = models.filter((m) => m.loaded);
  const candidates = loaded.length > 0 ? loaded : models;
  if (candidates.length === 1) return candidates[0]!.id;
  const names = candidates.map((m) => m.id).join(', ');
  throw ApiError.badRequest(
    candidates.length === 0
      ? "'model': no model is available to tokenize with"
      : `'model' is required: ${candidates.length} models are ${loaded.length > 0 ? 'loaded' : 'available'} (${names})`,
    'model',
    'missing_required_parameter',
  );
}

export async function tokenize(req: Request, ctx: ApiContext): Promise<Response> {
  const f = new Fields(await readJsonObject(req));
  const content = f.raw('content');
  if (content === undefined) throw ApiError.badRequest("'content' is required: the text to tokenize", 'content', 'missing_required_parameter');
  if (typeof content !== 'string') throw ApiError.badRequest(`'content': expected a string, got ${describeValue(content)}`, 'content', 'invalid_value');
  if (content.length > ctx.limits.maxPromptChars) throw promptTooLong('content', ctx.limits);
  const addSpecial = f.optBoolean('add_special') ?? false;
  const withPieces = f.optBoolean('with_pieces') ?? false;
  const engine = await ctx.engine();
  if (!engine.tokenize) throw unsupported('/tokenize');
  const model = await modelFor(f, engine);
  try {
    const r = await engine.tokenize(model, content, { addSpecial, withPieces, signal: req.signal });
    if (!withPieces || !r.pieces) return Response.json({ tokens: r.tokens });
    return Response.json({ tokens: r.tokens.map((id, i) => ({ id, piece: r.pieces![i] })) });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}

export async function detokenize(req: Request, ctx: ApiContext): Promise<Response> {
  const f = new Fields(await readJsonObject(req));
  const tokens = f.raw('tokens');
  if (tokens === undefined) throw ApiError.badRequest("'tokens' is required: a list of token ids", 'tokens', 'missing_required_parameter');
  if (!Array.isArray(tokens)) throw ApiError.badRequest(`'tokens': expected a list of token ids, got ${describeValue(tokens)}`, 'tokens', 'invalid_value');
  // a token is at least one character of text: more ids than the prompt limit's characters is no prompt
  if (tokens.length > ctx.limits.maxPromptChars) throw promptTooLong('tokens', ctx.limits);
  tokens.forEach((t, i) => {
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0)
      throw ApiError.badRequest(`'tokens[${i}]': expected a token id (an integer ≥ 0), got ${describeValue(t)}`, `tokens[${i}]`, 'invalid_value');
  });
  const engine = await ctx.engine();
  if (!engine.detokenize) throw unsupported('/detokenize');
  const model = await modelFor(f, engine);
  try {
    return Response.json({ content: await engine.detokenize(model, tokens as number[], { signal: req.signal }) });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}
