/**
 * POST /v1/completions (legacy): the `prompt` (a string, or a list holding one string), with no
 * chat template; the model table's `completion_template` wraps it when the model has one. Without max_tokens, 16 tokens are generated (OpenAI's default for this API).
 */
import type { InferParams, InferResult } from '../llm/engine.js';
import { completionId, unixSeconds, type ApiContext } from './context.js';
import { ApiError, fromEngineError } from './errors.js';
import { promptTooLong, type RequestLimits } from './limits.js';
import { checkLogprobsSupported, completionLogprobs } from './logprobs.js';
import { readGenerationRequest } from './params.js';
import { describeValue, Fields } from './request.js';
import { readApiBody, type RouteHints } from './body.js';
import { cappedMaxTokens } from './max-tokens.js';
import { streamGeneration } from './sse.js';

export const DEFAULT_COMPLETION_MAX_TOKENS = 16;

function readPrompt(v: unknown, limits: RequestLimits): string {
  if (v === undefined || v === null) throw ApiError.badRequest("'prompt' is required: a string", 'prompt', 'missing_required_parameter');
  const checked = (s: string): string => {
    if (s.length > limits.maxPromptChars) throw promptTooLong('prompt', limits);
    return s;
  };
  if (typeof v === 'string') return checked(v);
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return checked(v[0]);
  if (Array.isArray(v) && v.every((p) => typeof p === 'string')) {
    throw ApiError.badRequest(`'prompt': only one prompt per request is supported, got ${v.length}`, 'prompt', 'unsupported_value');
  }
  throw ApiError.badRequest(`'prompt': expected a string (token arrays are not supported), got ${describeValue(v)}`, 'prompt', 'invalid_value');
}

function usage(r: InferResult) {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.generatedTokens, total_tokens: r.promptTokens + r.generatedTokens };
}

export async function completions(req: Request, ctx: ApiContext, hints: RouteHints = {}): Promise<Response> {
  const f = new Fields(await readApiBody(req, ctx, 'completions', hints));
  const g = readGenerationRequest(f, 'completions');
  const raw = readPrompt(f.body.prompt, ctx.limits);
  const template = ctx.completionTemplates.get(g.model);
  const prompt = template ? template(raw) : raw;

  const engine = await ctx.engine();
  const id = completionId('cmpl');
  const created = unixSeconds();
  const { model } = g;
  const params: InferParams = { ...g.params, maxTokens: cappedMaxTokens(ctx, model, g.params.maxTokens ?? DEFAULT_COMPLETION_MAX_TOKENS)! };
  checkLogprobsSupported(engine, params);

  if (!g.stream) {
    let r: InferResult;
    try {
      r = await engine.infer(model, prompt, params, { signal: req.signal });
    } catch (err) {
      throw fromEngineError(err, model, req.signal);
    }
    return Response.json({
      id,
      object: 'text_completion',
      created,
      model,
      choices: [{ text: r.text, index: 0, logprobs: completionLogprobs(r.logprobs), finish_reason: r.finishReason }],
      usage: usage(r),
    });
  }

  const chunk = (text: string, finishReason: string | null, logprobs: unknown = null) => ({
    id,
    object: 'text_completion',
    created,
    model,
    choices: [{ text, index: 0, logprobs, finish_reason: finishReason }],
    ...(g.includeUsage ? { usage: null } : {}),
  });
  try {
    return await streamGeneration({
      requestSignal: req.signal,
      model,
      run: (signal, onText) => engine.infer(model, prompt, params, { signal, onText }),
      head: () => [],
      chunk: (text) => chunk(text, null),
      tail: (r) => [
        chunk('', r.finishReason, completionLogprobs(r.logprobs)),
        ...(g.includeUsage ? [{ id, object: 'text_completion', created, model, choices: [], usage: usage(r) }] : []),
      ],
      onEnd: (outcome, detail) => {
        if (outcome === 'error') ctx.log(`completion on '${model}' failed mid-stream: ${(detail as Error)?.message ?? String(detail)}`);
      },
    });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}
