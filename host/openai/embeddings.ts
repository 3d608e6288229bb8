/**
 * POST /v1/embeddings: `input` a string or a list of strings; `encoding_format` "float" (lists of
 * numbers) or "base64" (little-endian float32 bytes, base64 — what the official Node SDK asks
 * for by default and decodes itself).
 */
import type { ApiContext } from './context.js';
import { ApiError, fromEngineError } from './errors.js';
import { checkEmbeddingInputs } from './limits.js';
import { describeValue, Fields } from './request.js';
import { readApiBody, type RouteHints } from './body.js';

/** Most inputs in one request (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

function readInput(v: unknown): string[] {
  if (v === undefined || v === null) throw ApiError.badRequest("'input' is required: a string or a list of strings", 'input', 'missing_required_parameter');
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) throw ApiError.badRequest(`'input': expected a string or a list of strings, got ${describeValue(v)}`, 'input', 'invalid_value');
  if (v.length === 0) throw ApiError.badRequest("'input' must not be an empty list", 'input', 'invalid_value');
  if (v.length > MAX_EMBEDDING_INPUTS) throw ApiError.badRequest(`'input': at most ${MAX_EMBEDDING_INPUTS} inputs, got ${v.length}`, 'input', 'invalid_value');
  v.forEach((s, i) => {
    if (typeof s !== 'string')
      throw ApiError.badRequest(`'input[${i}]': expected a string (token arrays are not supported), got ${describeValue(s)}`, `input[${i}]`, 'invalid_value');
  });
  return v as string[];
}

/** Little-endian float32 bytes of a vector, base64. */
export function float32Base64(vector: readonly number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString('base64');
}

export async function embeddings(req: Request, ctx: ApiContext, hints: RouteHints = {}): Promise<Response> {
  const f = new Fields(await readApiBody(req, ctx, 'embeddings', hints));
  const model = f.requiredString('model', 'a model id (see GET /v1/models)');
  const inputs = readInput(f.body.input);
  checkEmbeddingInputs(inputs, ctx.limits);
  const format = f.raw('encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    throw ApiError.badRequest(`'encoding_format': expected "float" or "base64", got ${describeValue(format)}`, 'encoding_format', 'invalid_value');
  }
  f.unsupported('dimensions', () => false, 'is not supported (the model decides the dimension)');

  const engine = await ctx.engine();
  let r;
  try {
    r = await engine.embed(model, inputs, { signal: req.signal });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
  return Response.json({
    object: 'list',
    data: r.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: format === 'base64' ? float32Base64(v) : v })),
    model,
    usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
  });
}
