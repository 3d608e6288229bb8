/**
 * Spin's remote LLM protocol, served (docs/spec.md §3, `[llm_compute] type = "remote_http"`,
 * api_type "default"): any Spin host — real Spin included — can send its components' inference
 * here.
 *   POST /infer {"model","prompt","options":{"maxTokens","repeatPenalty","repeatPenaltyLastNTokenCount","temperature","topK","topP"}}
 *     → {"text","usage":{"promptTokenCount","generatedTokenCount"}}
 *   POST /embed {"model","input":[...]} → {"embeddings":[[...]],"usage":{"promptTokenCount"}}
 * Options left out take Spin's defaults. Errors use the OpenAI error body like the rest of the API.
 */
import { DEFAULT_INFER_PARAMS, type InferParams } from '../llm/engine.js';
import type { ApiContext } from './context.js';
import { ApiError, fromEngineError } from './errors.js';
import { checkEmbeddingInputs, promptTooLong } from './limits.js';
import { describeValue, Fields, readJsonObject } from './request.js';

const MAX_U32 = 2 ** 32 - 1;

function readOptions(f: Fields): InferParams {
  const o = f.optObject('options');
  if (!o) return { ...DEFAULT_INFER_PARAMS };
  const num = (name: string): number | undefined => o.optNumber(name, -Number.MAX_VALUE, Number.MAX_VALUE);
  return {
    maxTokens: o.optInteger('maxTokens', 1, MAX_U32) ?? DEFAULT_INFER_PARAMS.maxTokens,
    repeatPenalty: num('repeatPenalty') ?? DEFAULT_INFER_PARAMS.repeatPenalty,
    repeatPenaltyLastNTokenCount: o.optInteger('repeatPenaltyLastNTokenCount', 0, MAX_U32) ?? DEFAULT_INFER_PARAMS.repeatPenaltyLastNTokenCount,
    temperature: num('temperature') ?? DEFAULT_INFER_PARAMS.temperature,
    topK: o.optInteger('topK', 0, MAX_U32) ?? DEFAULT_INFER_PARAMS.topK,
    topP: num('topP') ?? DEFAULT_INFER_PARAMS.topP,
  };
}

export async function spinInfer(req: Request, ctx: ApiContext): Promise<Response> {
  const f = new Fields(await readJsonObject(req));
  const model = f.requiredString('model', 'a model name');
  const prompt = f.raw('prompt');
  if (typeof prompt !== 'string') {
    throw ApiError.badRequest(
      prompt === undefined ? "'prompt' is required: a string" : `'prompt': expected a string, got ${describeValue(prompt)}`,
      'prompt',
      'invalid_value',
    );
  }
  // the bound of every path into the engine (host/llm/prompt-limit.ts), before any tokenizing
  if (prompt.length > ctx.limits.maxPromptChars) throw promptTooLong('prompt', ctx.limits);
  const params = readOptions(f);
  const engine = await ctx.engine();
  try {
    const r = await engine.infer(model, prompt, params, { signal: req.signal });
    return Response.json({ text: r.text, usage: { promptTokenCount: r.promptTokens, generatedTokenCount: r.generatedTokens } });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}

export async function spinEmbed(req: Request, ctx: ApiContext): Promise<Response> {
  const f = new Fields(await readJsonObject(req));
  const model = f.requiredString('model', 'a model name');
  const input = f.raw('input');
  if (!Array.isArray(input) || input.some((s) => typeof s !== 'string')) {
    throw ApiError.badRequest(
      input === undefined ? "'input' is required: a list of strings" : `'input': expected a list of strings, got ${describeValue(input)}`,
      'input',
      'invalid_value',
    );
  }
  checkEmbeddingInputs(input as string[], ctx.limits);
  const engine = await ctx.engine();
  try {
    const r = await engine.embed(model, input as string[], { signal: req.signal });
    return Response.json({ embeddings: r.embeddings, usage: { promptTokenCount: r.promptTokens } });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}
