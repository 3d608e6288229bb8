/**
 * POST /v1/chat/completions (docs/spec.md §7): non-streaming and SSE streaming, with
 * `stream_options.include_usage`. The messages go through the model's chat template. With
 * `tools`, the answer may be a call (message.tool_calls, finish_reason "tool_calls"); streamed, a
 * call is a delta naming it ({index, id, type, function: {name, arguments: ""}}), then deltas of
 * its arguments text, as OpenAI streams them.
 */
import type { InferResult } from '../llm/engine.js';
import { runChat, toChatMessages } from './chat-template.js';
import { completionId, toolCallId, unixSeconds, type ApiContext } from './context.js';
import { fromEngineError } from './errors.js';
import { chatLogprobs, checkLogprobsSupported } from './logprobs.js';
import { readGenerationRequest } from './params.js';
import { chatBodyTooLarge, maxChatBodyBytes } from './limits.js';
import { Fields } from './request.js';
import { readApiBody, type RouteHints } from './body.js';
import { cappedMaxTokens, noteUnbounded } from './max-tokens.js';
import { streamGeneration } from './sse.js';

function usage(r: InferResult) {
  return { prompt_tokens: r.promptTokens, completion_tokens: r.generatedTokens, total_tokens: r.promptTokens + r.generatedTokens };
}

export async function chatCompletions(req: Request, ctx: ApiContext, hints: RouteHints = {}): Promise<Response> {
  const f = new Fields(
    await readApiBody(req, ctx, 'chat', hints, { bytes: maxChatBodyBytes(ctx.limits), tooLarge: (bytes) => chatBodyTooLarge(bytes, ctx.limits) }),
  );
  const g = readGenerationRequest(f, 'chat');
  const messages = toChatMessages(f.body.messages, ctx.limits);

  const engine = await ctx.engine();
  const id = completionId('chatcmpl');
  const created = unixSeconds();
  const { model } = g;
  const maxTokens = cappedMaxTokens(ctx, model, g.params.maxTokens);
  const params = maxTokens === undefined ? g.params : { ...g.params, maxTokens };
  checkLogprobsSupported(engine, params);

  if (!g.stream) {
    let r: InferResult;
    try {
      r = await runChat(engine, model, messages, params, { signal: req.signal });
    } catch (err) {
      throw fromEngineError(err, model, req.signal);
    }
    noteUnbounded(ctx, model, params.maxTokens, r.finishReason, r.generatedTokens);
    const calls = r.toolCalls?.map((c) => ({ id: toolCallId(), type: 'function', function: { name: c.name, arguments: c.arguments } })) ?? [];
    const message =
      calls.length > 0
        ? { role: 'assistant', content: r.text.trim() === '' ? null : r.text, refusal: null, tool_calls: calls }
        : { role: 'assistant', content: r.text, refusal: null };
    return Response.json({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message, logprobs: chatLogprobs(r.logprobs), finish_reason: r.finishReason }],
      usage: usage(r),
    });
  }

  const chunk = (delta: Record<string, unknown>, finishReason: string | null, logprobs: unknown = null) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [{ index: 0, delta, logprobs, finish_reason: finishReason }],
    ...(g.includeUsage ? { usage: null } : {}),
  });
  try {
    return await streamGeneration({
      requestSignal: req.signal,
      model,
      run: (signal, onText, emit) =>
        runChat(engine, model, messages, params, {
          signal,
          onText,
          onToolCall: (index, name) => emit(chunk({ tool_calls: [{ index, id: toolCallId(), type: 'function', function: { name, arguments: '' } }] }, null)),
          onToolArguments: (index, text) => (text.length === 0 ? undefined : emit(chunk({ tool_calls: [{ index, function: { arguments: text } }] }, null))),
        }),
      head: () => [chunk({ role: 'assistant', content: '' }, null)],
      chunk: (text) => chunk({ content: text }, null),
      tail: (r) => {
        noteUnbounded(ctx, model, params.maxTokens, r.finishReason, r.generatedTokens);
        return [
          chunk({}, r.finishReason, chatLogprobs(r.logprobs)),
          ...(g.includeUsage ? [{ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usage(r) }] : []),
        ];
      },
      onEnd: (outcome, detail) => {
        if (outcome === 'error') ctx.log(`chat completion on '${model}' failed mid-stream: ${(detail as Error)?.message ?? String(detail)}`);
      },
    });
  } catch (err) {
    throw fromEngineError(err, model, req.signal);
  }
}
