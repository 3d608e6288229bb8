/**
 * POST /v1/responses: OpenAI's Responses API, plain and streamed, text and function calls, on
 * the chat path (the request is read as a chat request: responses-request.ts). Nothing is
 * stored: `previous_response_id` is refused; send the whole conversation in `input`.
 *
 * Output: a `message` item with one `output_text` part (when there is text), then a
 * `function_call` item (when the model calls a function). `status` is "incomplete" with
 * `incomplete_details.reason` "max_output_tokens" when the token limit cut the answer.
 * Streamed: named SSE events (`event: <type>`), each with a `sequence_number` — response.created,
 * response.in_progress, output_item.added, content_part.added, output_text.delta …,
 * output_text.done, content_part.done, output_item.done; for a call output_item.added,
 * function_call_arguments.delta …, function_call_arguments.done, output_item.done; then
 * response.completed (or response.incomplete). No [DONE] line, as OpenAI.
 */
import type { InferResult } from '../llm/engine.js';
import { runChat, toChatMessages } from './chat-template.js';
import { completionId, toolCallId, unixSeconds, type ApiContext } from './context.js';
import { ApiError, fromEngineError, type OpenAiErrorBody } from './errors.js';
import { chatBodyTooLarge, maxChatBodyBytes } from './limits.js';
import { readGenerationRequest, type GenerationRequest } from './params.js';
import { Fields, type JsonObject } from './request.js';
import { readApiBody, type RouteHints } from './body.js';
import { cappedMaxTokens } from './max-tokens.js';
import { translateResponsesRequest } from './responses-request.js';
import { streamGeneration } from './sse.js';

type Item = Record<string, unknown>;

/** The ids of one response's items, made once so the stream and the final object agree. */
class ResponseIds {
  readonly response = completionId('resp');
  readonly message = completionId('msg');
  readonly call = toolCallId();
  readonly callItem = completionId('fc');
}

function echo(src: JsonObject, g: GenerationRequest) {
  return {
    instructions: typeof src.instructions === 'string' ? src.instructions : null,
    max_output_tokens: g.params.maxTokens ?? null,
    parallel_tool_calls: src.parallel_tool_calls ?? true,
    temperature: g.params.temperature,
    top_p: g.params.topP,
    tool_choice: src.tool_choice ?? 'auto',
    tools: Array.isArray(src.tools) ? src.tools : [],
    text: src.text ?? { format: { type: 'text' } },
    truncation: 'disabled',
    metadata: src.metadata ?? {},
    store: false,
    previous_response_id: null,
    reasoning: null,
    user: src.user ?? null,
  };
}

function messageItem(ids: ResponseIds, text: string, status: string): Item {
  return { type: 'message', id: ids.message, status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
}

function callItem(ids: ResponseIds, name: string, args: string, status: string): Item {
  return { type: 'function_call', id: ids.callItem, call_id: ids.call, name, arguments: args, status };
}

export async function responses(req: Request, ctx: ApiContext, hints: RouteHints = {}): Promise<Response> {
  const src = await readApiBody(req, ctx, 'responses', hints, {
    bytes: maxChatBodyBytes(ctx.limits),
    tooLarge: (bytes) => chatBodyTooLarge(bytes, ctx.limits),
  });
  const { body, rename } = translateResponsesRequest(src);
  let g: GenerationRequest;
  let messages;
  try {
    g = readGenerationRequest(new Fields(body), 'chat');
    messages = toChatMessages(body.messages, ctx.limits);
  } catch (err) {
    throw err instanceof ApiError ? rename(err) : err;
  }
  const engine = await ctx.engine();
  const ids = new ResponseIds();
  const created = unixSeconds();
  const { model } = g;
  const maxTokens = cappedMaxTokens(ctx, model, g.params.maxTokens);
  const params = maxTokens === undefined ? g.params : { ...g.params, maxTokens };
  const base = { id: ids.response, object: 'response', created_at: created, model, error: null, ...echo(src, g) };

  const final = (r: InferResult) => {
    const output: Item[] = [];
    const call = r.toolCalls?.[0];
    if (r.text !== '' && !(call && r.text.trim() === '')) output.push(messageItem(ids, r.text, 'completed'));
    if (call) output.push(callItem(ids, call.name, call.arguments, r.finishReason === 'length' ? 'incomplete' : 'completed'));
    const incomplete = r.finishReason === 'length';
    return {
      ...base,
      status: incomplete ? 'incomplete' : 'completed',
      incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
      output,
      usage: {
        input_tokens: r.promptTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: r.generatedTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: r.promptTokens + r.generatedTokens,
      },
    };
  };

  // errors are renamed where they are caught (the engine's name chat fields too)
  const run = (options: Parameters<typeof runChat>[4]) => runChat(engine, model, messages, params, options);

  if (!g.stream) {
    try {
      return Response.json(final(await run({ signal: req.signal })));
    } catch (err) {
      throw rename(fromEngineError(err, model, req.signal));
    }
  }

  let seq = 0;
  const event = (type: string, fields: Record<string, unknown>) => ({ type, ...fields, sequence_number: seq++ });
  const pending = { ...base, status: 'in_progress', incomplete_details: null, output: [], usage: null };
  // numbered now: events emitted before the stream opens are sent after these
  const headEvents = [event('response.created', { response: pending }), event('response.in_progress', { response: pending })];
  let text = '';
  let textOpen = false;
  let callName: string | undefined;
  const closeText = (): unknown[] => {
    if (!textOpen) return [];
    textOpen = false;
    const part = { type: 'output_text', text, annotations: [] };
    return [
      event('response.output_text.done', { item_id: ids.message, output_index: 0, content_index: 0, text, logprobs: [] }),
      event('response.content_part.done', { item_id: ids.message, output_index: 0, content_index: 0, part }),
      event('response.output_item.done', { output_index: 0, item: messageItem(ids, text, 'completed') }),
    ];
  };
  const callIndex = (): number => (text !== '' ? 1 : 0);

  try {
    return await streamGeneration({
      requestSignal: req.signal,
      model,
      frame: (e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`,
      endMarker: null,
      errorEvent: (b: OpenAiErrorBody) => ({ type: 'error', ...b, code: b.error.code, message: b.error.message, param: b.error.param, sequence_number: seq++ }),
      run: (signal, _onText, emit) => {
        const emitAll = (events: unknown[]): Promise<void> | undefined => {
          let wait: Promise<void> | undefined;
          for (const e of events) wait = emit(e) ?? wait;
          return wait;
        };
        return run({
          signal,
          onText: (delta) => {
            if (delta === '') return undefined;
            const opening: unknown[] = [];
            if (!textOpen && text === '') {
              textOpen = true;
              opening.push(
                event('response.output_item.added', { output_index: 0, item: { ...messageItem(ids, '', 'in_progress'), content: [] } }),
                event('response.content_part.added', {
                  item_id: ids.message,
                  output_index: 0,
                  content_index: 0,
                  part: { type: 'output_text', text: '', annotations: [] },
                }),
              );
            }
            text += delta;
            return emitAll([...opening, event('response.output_text.delta', { item_id: ids.message, output_index: 0, content_index: 0, delta, logprobs: [] })]);
          },
          onToolCall: (_index, name) => {
            callName = name;
            return emitAll([...closeText(), event('response.output_item.added', { output_index: callIndex(), item: callItem(ids, name, '', 'in_progress') })]);
          },
          onToolArguments: (_index, delta) => {
            if (delta === '') return undefined;
            return emit(event('response.function_call_arguments.delta', { item_id: ids.callItem, output_index: callIndex(), delta }));
          },
        });
      },
      head: () => headEvents,
      chunk: () => undefined,
      tail: (r) => {
        const done = final(r);
        const events: unknown[] = [...closeText()];
        const call = r.toolCalls?.[0];
        if (call && callName !== undefined) {
          const status = r.finishReason === 'length' ? 'incomplete' : 'completed';
          events.push(
            event('response.function_call_arguments.done', { item_id: ids.callItem, output_index: callIndex(), name: call.name, arguments: call.arguments }),
            event('response.output_item.done', { output_index: callIndex(), item: callItem(ids, call.name, call.arguments, status) }),
          );
        }
        events.push(event(done.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: done }));
        return events;
      },
      onEnd: (outcome, detail) => {
        if (outcome === 'error') ctx.log(`response on '${model}' failed mid-stream: ${(detail as Error)?.message ?? String(detail)}`);
      },
    });
  } catch (err) {
    throw rename(fromEngineError(err, model, req.signal));
  }
}
