/**
 * Ollama's API subset that local tools and front ends call (field names as ollama's docs/api.md
 * gives them): GET /api/tags, GET /api/version, POST /api/show, /api/chat, /api/generate
 * (generate.ts), /api/embed (and the older /api/embeddings), /api/pull (a model-table model's
 * source). Errors are Ollama's `{"error": "..."}` (server.ts's error handler).
 */
import { stat } from 'node:fs/promises';
import type { Hono } from 'hono';
import type { ModelInfo } from '../../llm/engine.js';
import type { ApiContext } from '../context.js';
import { ApiError, fromEngineError } from '../errors.js';
import { checkEmbeddingInputs } from '../limits.js';
import { describeValue, readJsonObject } from '../request.js';
import { ollamaChat, ollamaGenerate } from './generate.js';
import { ndjsonResponse } from './ndjson.js';
import { resolveOllamaModel } from './resolve.js';

/** The version /api/version reports: spin-ts's own. */
export const OLLAMA_API_VERSION = '0.1.0';

/** /api/pull: bring `name`'s file into the state dir (the model table's source); throws when it cannot. */
export type OllamaPull = (name: string) => Promise<void>;

/** Where a model's file is, for sizes (set by models serve). */
export type ModelFiles = (model: string) => string | undefined;

function details(_m: ModelInfo) {
  return { parent_model: '', format: 'gguf', family: '', families: null, parameter_size: '', quantization_level: '' };
}

async function tags(ctx: ApiContext, files: ModelFiles | undefined): Promise<Response> {
  const models = await (await ctx.engine()).listModels();
  const entries = await Promise.all(
    models.map(async (m) => {
      const file = files?.(m.id);
      const info = file ? await stat(file).catch(() => undefined) : undefined;
      return {
        name: m.id,
        model: m.id,
        modified_at: (info?.mtime ?? new Date(ctx.startedAt * 1000)).toISOString(),
        size: info?.size ?? 0,
        digest: '',
        details: details(m),
      };
    }),
  );
  return Response.json({ models: entries });
}

async function show(req: Request, ctx: ApiContext): Promise<Response> {
  const body = await readJsonObject(req);
  const id = await resolveOllamaModel(ctx, body.model ?? body.name);
  const m = (await (await ctx.engine()).listModels()).find((x) => x.id === id)!;
  return Response.json({
    modelfile: '',
    parameters: '',
    template: '',
    details: details(m),
    model_info: {},
    capabilities: m.kind === 'embedding' ? ['embedding'] : ['completion', 'tools'],
    modified_at: new Date(ctx.startedAt * 1000).toISOString(),
  });
}

function inputsOf(v: unknown, field: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string')) return v as string[];
  throw ApiError.badRequest(`'${field}': expected a string or a non-empty list of strings, got ${describeValue(v)}`, field, 'invalid_value');
}

async function embed(req: Request, ctx: ApiContext, legacy: boolean): Promise<Response> {
  const started = process.hrtime.bigint();
  const body = await readJsonObject(req);
  const model = await resolveOllamaModel(ctx, body.model, 'embedding');
  if (body.dimensions !== undefined && body.dimensions !== null)
    throw ApiError.badRequest("'dimensions' is not supported (the model decides the dimension)", 'dimensions', 'unsupported_value');
  const inputs = legacy ? inputsOf(body.prompt, 'prompt') : inputsOf(body.input, 'input');
  checkEmbeddingInputs(inputs, ctx.limits);
  let r;
  try {
    r = await (await ctx.engine()).embed(model, inputs, { signal: req.signal });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
  if (legacy) return Response.json({ embedding: r.embeddings[0] });
  return Response.json({
    model,
    embeddings: r.embeddings,
    total_duration: Number(process.hrtime.bigint() - started),
    load_duration: 0,
    prompt_eval_count: r.promptTokens,
  });
}

async function pull(req: Request, ctx: ApiContext, puller: OllamaPull | undefined): Promise<Response> {
  const body = await readJsonObject(req);
  const name = body.model ?? body.name;
  if (typeof name !== 'string' || name === '') throw ApiError.badRequest("'model' is required", 'model', 'missing_required_parameter');
  if (!puller) throw new ApiError(501, 'pulling is not available on this server (a remote_http backend)', 'server_error', 'not_implemented');
  const bare = name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name;
  if (body.stream === false) {
    await puller(bare);
    return Response.json({ status: 'success' });
  }
  return ndjsonResponse({
    requestSignal: req.signal,
    onError: (err) => ctx.log(`Ollama pull of '${bare}' failed: ${(err as Error)?.message ?? String(err)}`),
    run: async (_signal, write) => {
      await write({ status: 'pulling manifest' });
      await puller(bare);
      await write({ status: 'verifying sha256 digest' });
      await write({ status: 'success' });
    },
  });
}

/** GET /api/ps: the loaded models. */
async function ps(ctx: ApiContext, files: ModelFiles | undefined): Promise<Response> {
  const loaded = (await (await ctx.engine()).listModels()).filter((m) => m.loaded);
  const models = await Promise.all(
    loaded.map(async (m) => {
      const file = files?.(m.id);
      const size = file ? ((await stat(file).catch(() => undefined))?.size ?? 0) : 0;
      return { name: m.id, model: m.id, size, digest: '', details: details(m), expires_at: '0001-01-01T00:00:00Z', size_vram: 0 };
    }),
  );
  return Response.json({ models });
}

export function ollamaRoutes(hono: Hono, ctx: ApiContext, puller: OllamaPull | undefined, files?: ModelFiles): void {
  hono.get('/api/version', (c) => c.json({ version: OLLAMA_API_VERSION }));
  hono.get('/api/tags', () => tags(ctx, files));
  hono.get('/api/ps', () => ps(ctx, files));
  hono.post('/api/show', (c) => show(c.req.raw, ctx));
  hono.post('/api/chat', (c) => ollamaChat(c.req.raw, ctx));
  hono.post('/api/generate', (c) => ollamaGenerate(c.req.raw, ctx));
  hono.post('/api/embed', (c) => embed(c.req.raw, ctx, false));
  hono.post('/api/embeddings', (c) => embed(c.req.raw, ctx, true));
  hono.post('/api/pull', (c) => pull(c.req.raw, ctx, puller));
}
