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
  type ChatWrapper,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { LlmError, type ChatMessage, type ChatParams, type InferParams, type InferResult } from '../engine.js';
import { parseTemplateSetting } from './template-setting.js';

export { NAMED_TEMPLATES, parseTemplateSetting, type TemplateSetting } from './template-setting.js';

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

function history(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const items: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  // the response to generate: an empty model turn at the end
  items.push({ type: 'model', response: [] });
  return items;
}

/** LlamaText → the string that tokenizes (with special tokens on) to the same tokens. */
export function llamaTextToPrompt(text: LlamaText, model: Pick<LlamaModel, 'tokens'>): string {
  return text.values
    .map((v) => {
      if (typeof v === 'string') return v;
      if (v instanceof SpecialTokensText) return v.value;
      if (v instanceof SpecialToken) {
        if (v.value === 'BOS') return model.tokens.bosString ?? '';
        if (v.value === 'EOS') return model.tokens.eosString ?? '';
        if (v.value === 'EOT') return model.tokens.eotString ?? '';
        if (v.value === 'NL') return model.tokens.nlString ?? '\n';
      }
      return '';
    })
    .join('');
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

/** Render messages with the model's template, ending where the assistant's answer begins. */
export function formatChat(model: LlamaModel, chatTemplate: string | undefined, messages: readonly ChatMessage[]): FormattedChat {
  if (messages.length === 0) throw new LlmError('invalid-input', 'messages must not be empty');
  const wrapper = chatWrapperFor(model, chatTemplate);
  let state: ReturnType<ChatWrapper['generateContextState']>;
  try {
    state = wrapper.generateContextState({ chatHistory: history(messages) });
  } catch (err) {
    throw new LlmError('invalid-input', `cannot render the chat template: ${(err as Error).message}`);
  }
  const stops = [...new Set(state.stopGenerationTriggers.map(stopText).filter((s): s is string => s !== undefined))];
  return { prompt: llamaTextToPrompt(state.contextText, model), stops };
}

export interface ChatTarget {
  model: LlamaModel;
  /** Tokens per sequence of the model's completion context. */
  contextSize: number;
}

/**
 * A chat completion on a loaded completion model: `render` turns the messages into prompt
 * tokens (prompt-tokens.ts; once per request), `run` generates from them (the engine's own
 * path, so slots, queue and abort behave as for any completion). With no maxTokens, the answer
 * may fill the rest of the context.
 */
export async function chatOnModel(
  target: ChatTarget,
  params: ChatParams,
  render: () => Promise<{ tokens: Token[]; stops: string[] }>,
  run: (tokens: Token[], params: InferParams) => Promise<InferResult>,
): Promise<InferResult> {
  const { tokens, stops } = await render();
  const maxTokens = params.maxTokens ?? Math.max(1, target.contextSize - tokens.length);
  const stop = [...(params.stop ?? []), ...stops];
  return run(tokens, { ...params, maxTokens, stop });
}
