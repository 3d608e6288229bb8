/**
 * Ollama's POST /api/chat and POST /api/generate: streamed NDJSON by default, one object with
 * `"stream": false`. Sampling comes from `options` (options.ts) through the one parameter rule
 * (params.ts); /api/chat renders the messages with the model's chat template, as /v1/chat does;
 * /api/generate wraps `prompt` (and `system`) the same way unless `raw` is true. Durations are
 * nanoseconds, as Ollama reports them. `context` (the old token-array continuation) is not
 * returned, and a request sending a non-empty one is refused.
 */
import type { ChatMessage, InferResult } from '../../llm/engine.js';
import { runChat, toChatMessages } from '../chat-template.js';
import type { ApiContext } from '../context.js';
import { ApiError, fromEngineError } from '../errors.js';
import { cappedMaxTokens } from '../max-tokens.js';
import { readGenerationRequest } from '../params.js';
import { describeValue, Fields, readJsonObject, type JsonObject } from '../request.js';
import { ndjsonResponse } from './ndjson.js';
import { ollamaGenerationFields } from './options.js';
import { resolveOllamaModel } from './resolve.js';

interface Timing {
  started: bigint;
  firstToken?: bigint;
}

function finalFields(r: InferResult, t: Timing) {
  const end = process.hrtime.bigint();
  const first = t.firstToken ?? end;
  return {
    done: true,
    done_reason: r.finishReason === 'length' ? 'length' : 'stop',
    total_duration: Number(end - t.started),
    load_duration: 0,
    prompt_eval_count: r.promptTokens,
    prompt_eval_duration: Number(first - t.started),
    eval_count: r.generatedTokens,
    eval_duration: Number(end - first),
  };
}

/** Ollama's tool calls carry the arguments as an object. */
function toolCalls(r: InferResult) {
  return r.toolCalls?.map((c) => {
    let args: unknown;
    try {
      args = JSON.parse(c.arguments);
    } catch {
      args = {};
    }
    return { function: { name: c.name, arguments: args } };
  });
}

async function prepare(req: Request, ctx: ApiContext, kind: 'chat' | 'generate') {
  const body = await readJsonObject(req);
  const model = await resolveOllamaModel(ctx, body.model, 'completion');
  if (kind === 'generate' && Array.isArray(body.context) && body.context.length > 0)
    throw ApiError.badRequest("'context' (token continuation) is not supported: send the conversation to /api/chat", 'context', 'unsupported_value');
  const openAiBody: JsonObject = { ...ollamaGenerationFields(body), model };
  const g = readGenerationRequest(new Fields(openAiBody), kind === 'chat' ? 'chat' : 'completions');
  const maxTokens = cappedMaxTokens(ctx, model, g.params.maxTokens);
  const params = maxTokens === undefined ? g.params : { ...g.params, maxTokens };
  const stream = body.stream !== false;
  return { body, model, params, stream };
}

function generateMessages(body: JsonObject, ctx: ApiContext): ChatMessage[] {
  const prompt = body.prompt ?? '';
  if (typeof prompt !== 'string') throw ApiError.badRequest(`'prompt': expected a string, got ${describeValue(prompt)}`, 'prompt', 'invalid_value');
  if (prompt.length > ctx.limits.maxPromptChars)
    throw ApiError.badRequest(`'prompt' is longer than ${ctx.limits.maxPromptChars} characters`, 'prompt', 'invalid_value');
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== 'string')
    throw ApiError.badRequest(`'system': expected a string, got ${describeValue(system)}`, 'system', 'invalid_value');
  return [...(typeof system === 'string' && system !== '' ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: prompt }];
}

export async function ollamaChat(req: Request, ctx: ApiContext): Promise<Response> {
  const { body, model, params, stream } = await prepare(req, ctx, 'chat');
  const messages = toChatMessages(body.messages ?? [], ctx.limits);
  const engine = await ctx.engine();
  const t: Timing = { started: process.hrtime.bigint() };
  const created = () => new Date().toISOString();
  if (!stream) {
    let r: InferResult;
    try {
      r = await runChat(engine, model, messages, params, { signal: req.signal });
    } catch (err) {
      throw fromEngineError(err, model, req.signal);
    }
    const calls = toolCalls(r);
    return Response.json({
      model,
      created_at: created(),
      message: { role: 'assistant', content: r.text, ...(calls && calls.length > 0 ? { tool_calls: calls } : {}) },
      ...finalFields(r, t),
    });
  }
  return ndjsonResponse({
    requestSignal: req.signal,
    onError: (err) => ctx.log(`Ollama chat on '${model}' failed mid-stream: ${(err as Error)?.message ?? String(err)}`),
    run: async (signal, write) => {
      const r = await runChat(engine, model, messages, params, {
        signal,
        onText: (text) => {
          t.firstToken ??= process.hrtime.bigint();
          return write({ model, created_at: created(), message: { role: 'assistant', content: text }, done: false });
        },
      });
      const calls = toolCalls(r);
      await write({
        model,
        created_at: created(),
        message: { role: 'assistant', content: '', ...(calls && calls.length > 0 ? { tool_calls: calls } : {}) },
        ...finalFields(r, t),
      });
    },
  });
}

export async function ollamaGenerate(req: Request, ctx: ApiContext): Promise<Response> {
  const { body, model, params, stream } = await prepare(req, ctx, 'generate');
  const messages = generateMessages(body, ctx);
  const engine = await ctx.engine();
  const t: Timing = { started: process.hrtime.bigint() };
  const created = () => new Date().toISOString();
  const raw = body.raw === true;
  const run = (signal: AbortSignal, onText?: (text: string) => unknown) =>
    raw
      ? engine.infer(
          model,
          messages[messages.length - 1]!.content,
          { ...params, maxTokens: params.maxTokens ?? 2 ** 31 - 1 },
          { signal, ...(onText ? { onText } : {}) },
        )
      : runChat(engine, model, messages, params, { signal, ...(onText ? { onText } : {}) });
  if (!stream) {
    let r: InferResult;
    try {
      r = await run(req.signal);
    } catch (err) {
      throw fromEngineError(err, model, req.signal);
    }
    return Response.json({ model, created_at: created(), response: r.text, ...finalFields(r, t) });
  }
  return ndjsonResponse({
    requestSignal: req.signal,
    onError: (err) => ctx.log(`Ollama generate on '${model}' failed mid-stream: ${(err as Error)?.message ?? String(err)}`),
    run: async (signal, write) => {
      const r = await run(signal, (text) => {
        t.firstToken ??= process.hrtime.bigint();
        return write({ model, created_at: created(), response: text, done: false });
      });
      await write({ model, created_at: created(), response: '', ...finalFields(r, t) });
    },
  });
}
