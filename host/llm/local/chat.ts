/**
 * Chat on a local model: render the messages with the model's chat template, then run an
 * ordinary completion on the rendered prompt.
 *
 * Template choice (docs/spec.md §2): the model table's `chat_template` — a Jinja string (it holds `{{` or
 * `{%`) or a named template (`llama2`, `chatml`, `llama3`, … see NAMED_TEMPLATES) — else the
 * Jinja template inside the GGUF (node-llama-cpp may swap it for an equivalent built-in wrapper),
 * else node-llama-cpp's general template.
 *
 * Rendering and tokenizing happen once per request, off the main thread when the input is large
 * (prompt-tokens.ts). The rendered LlamaText is flattened to a string whose special-token parts are written as their
 * token text; the engine tokenizes prompts with special tokens enabled, so the tokens are the same
 * as tokenizing the LlamaText itself. (Message text that spells a special token therefore becomes
 * that token, as in llama-server.) The template's textual stop triggers become stop strings;
 * end-of-generation tokens stop generation anyway.
 */

import {
  LlamaText,
  resolveChatWrapper,
  SpecialToken,
  SpecialTokensText,
  type ChatHistoryItem,
  type ChatModelFunctions,
  type ChatWrapper,
  type GbnfJsonSchema,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { LlmError, type ChatMessage, type ChatParams, type InferOptions, type InferParams, type InferResult, type ToolFunction } from '../engine.js';
import { llamaTextToPrompt } from './llama-text-prompt.js';
import { parseTemplateSetting } from './template-setting.js';
import { chatWithTools } from './tool-calls.js';

export { parseTemplateSetting } from './template-setting.js';

const wrappers = new WeakMap<LlamaModel, Map<string, ChatWrapper>>();

/** The chat wrapper for a model and template setting (cached per loaded model). */
export function chatWrapperFor(model: LlamaModel, chatTemplate: string | undefined): ChatWrapper {
  let perModel = wrappers.get(model);
  if (!perModel) wrappers.set(model, (perModel = new Map()));
  const key = chatTemplate ?? '';
  const cached = perModel.get(key);
  if (cached) return cached;
  const setting = parseTemplateSetting(chatTemplate);
  let wrapper: ChatWrapper;
  try {
    if (setting.type === 'jinja') {
      wrapper = resolveChatWrapper(model, {
        type: 'jinjaTemplate',
        customWrapperSettings: { jinjaTemplate: { template: setting.template } },
        fallbackToOtherWrappersOnJinjaError: false,
        warningLogs: false,
      });
    } else if (setting.type === 'named') {
      wrapper = resolveChatWrapper(model, { type: setting.name, warningLogs: false });
    } else {
      wrapper = resolveChatWrapper(model, { warningLogs: false });
    }
  } catch (err) {
    throw new LlmError('invalid-input', `the chat template cannot be used: ${(err as Error).message}`);
  }
  perModel.set(key, wrapper);
  return wrapper;
}

type ModelResponse = Extract<ChatHistoryItem, { type: 'model' }>['response'];
type FunctionCallItem = Extract<ModelResponse[number], { type: 'functionCall' }>;

function parseResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * Messages → node-llama-cpp's chat history. An assistant message's tool calls become function
 * calls in its response, each with the result its `tool` message gives; an assistant message
 * right after those results goes on in the same response (as the wrapper renders a call, its
 * result, then the rest of the answer). The history ends with the response to generate: an empty
 * model turn, or the open one when the last messages are tool results.
 */
function history(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = [];
  const pending = new Map<string, FunctionCallItem>();
  let open: ModelResponse | undefined; // a model response whose calls have results, still going on
  messages.forEach((m, i) => {
    if (m.role === 'tool') {
      const call = m.toolCallId === undefined ? undefined : pending.get(m.toolCallId);
      if (!call)
        throw new LlmError('invalid-input', `'messages[${i}].tool_call_id': no earlier assistant tool call has the id ${JSON.stringify(m.toolCallId)}`);
      call.result = parseResult(m.content);
      pending.delete(m.toolCallId!);
      return;
    }
    if (pending.size > 0) {
      const ids = [...pending.keys()].map((id) => JSON.stringify(id)).join(', ');
      throw new LlmError('invalid-input', `'messages[${i}]': the tool calls ${ids} have no tool message with their result before it`);
    }
    if (m.role === 'assistant') {
      const response: ModelResponse = open ?? [];
      if (m.content !== '') response.push(m.content);
      for (const c of m.toolCalls ?? []) {
        const call: FunctionCallItem = { type: 'functionCall', name: c.name, params: parseResult(c.arguments), result: undefined };
        response.push(call);
        pending.set(c.id, call);
      }
      if (!open) items.push({ type: 'model', response });
      open = (m.toolCalls?.length ?? 0) > 0 ? response : undefined;
      return;
    }
    open = undefined;
    items.push(m.role === 'system' ? { type: 'system', text: m.content } : { type: 'user', text: m.content });
  });
  if (pending.size > 0) {
    const ids = [...pending.keys()].map((id) => JSON.stringify(id)).join(', ');
    throw new LlmError('invalid-input', `'messages': the tool calls ${ids} have no tool message with their result`);
  }
  // the response to generate: an empty model turn at the end, or the open one after tool results
  if (!open) items.push({ type: 'model', response: [] });
  return items;
}

/** The functions as node-llama-cpp's chat wrappers document them in the prompt. */
export function availableFunctions(functions: readonly ToolFunction[]): ChatModelFunctions {
  return Object.fromEntries(
    functions.map((f) => [
      f.name,
      { ...(f.description !== undefined ? { description: f.description } : {}), ...(f.parameters ? { params: f.parameters as GbnfJsonSchema } : {}) },
    ]),
  );
}

function stopText(trigger: LlamaText): string | undefined {
  // only triggers made of text; special tokens (EOS, EOT) are end-of-generation tokens anyway
  if (trigger.values.some((v) => v instanceof SpecialToken)) return undefined;
  const s = trigger.values.map((v) => (typeof v === 'string' ? v : v instanceof SpecialTokensText ? v.value : '')).join('');
  return s.length > 0 ? s : undefined;
}

export interface FormattedChat {
  prompt: string;
  /** Stop strings the template asks for. */
  stops: string[];
}

/**
 * Render messages with the model's template, ending where the assistant's answer begins; with
 * `functions`, the wrapper documents them in the prompt (its own syntax for calling them).
 */
export function formatChat(
  model: LlamaModel,
  chatTemplate: string | undefined,
  messages: readonly ChatMessage[],
  functions?: readonly ToolFunction[],
): FormattedChat {
  if (messages.length === 0) throw new LlmError('invalid-input', 'messages must not be empty');
  const wrapper = chatWrapperFor(model, chatTemplate);
  const chatHistory = history(messages);
  let state: ReturnType<ChatWrapper['generateContextState']>;
  try {
    state = wrapper.generateContextState({
      chatHistory,
      ...(functions && functions.length > 0 ? { availableFunctions: availableFunctions(functions), documentFunctionParams: true } : {}),
    });
  } catch (err) {
    throw new LlmError('invalid-input', `cannot render the chat template: ${(err as Error).message}`);
  }
  const stops = [...new Set(state.stopGenerationTriggers.map(stopText).filter((s): s is string => s !== undefined))];
  return { prompt: llamaTextToPrompt(state.contextText, model), stops };
}

export interface ChatTarget {
  model: LlamaModel;
  /** The model table's chat_template (chatWrapperFor). */
  chatTemplate?: string | undefined;
  /** Tokens per sequence of the model's completion context. */
  contextSize: number;
}

/**
 * A chat completion on a loaded completion model: `render` turns the messages (and the offered
 * functions) into prompt tokens (prompt-tokens.ts; once per request), `run` generates from them
 * (the engine's own path, so slots, queue and abort behave as for any completion). With no
 * maxTokens, the answer may fill the rest of the context. With tools (and a choice other than
 * none, which the caller leaves out), tool-calls.ts runs the answer in steps.
 */
export async function chatOnModel(
  target: ChatTarget,
  params: ChatParams,
  render: (functions: readonly ToolFunction[] | undefined) => Promise<{ tokens: Token[]; stops: string[] }>,
  run: (tokens: Token[], params: InferParams, options?: InferOptions) => Promise<InferResult>,
  options: InferOptions = {},
): Promise<InferResult> {
  const { tools, ...rest } = params;
  const { tokens, stops } = await render(tools?.functions);
  const maxTokens = rest.maxTokens ?? Math.max(1, target.contextSize - tokens.length);
  const stop = [...(rest.stop ?? []), ...stops];
  if (!tools) return run(tokens, { ...rest, maxTokens, stop });
  return chatWithTools(tools, {
    model: target.model,
    wrapper: chatWrapperFor(target.model, target.chatTemplate),
    promptTokens: tokens,
    params: { ...rest, maxTokens, stop },
    options,
    run,
  });
}
