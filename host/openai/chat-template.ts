/**
 * OpenAI chat messages → the engine's ChatMessage list, and the chat call itself.
 *
 * - Roles: system, developer (treated as system), user, assistant, tool. An assistant message may
 *   carry `tool_calls` (its content may then be null); a tool message answers one by
 *   `tool_call_id`. The legacy `function` role is refused.
 * - Content: a string, or a list of text parts (joined); other part types (images, audio) are
 *   refused.
 * - Engines with a `chat` method render the messages with the model's template: the model table's
 *   `chat_template`, else the one in the GGUF (host/llm/local/chat.ts). Engines without one (Spin's
 *   remote protocol) get the plain rendering below, ending with "assistant:".
 */
import type { ModelTableEntry } from '../llm/runtime-config.js';
import {
  DEFAULT_INFER_PARAMS,
  type ChatMessage,
  type ChatParams,
  type HistoryToolCall,
  type InferOptions,
  type InferResult,
  type LlmEngine,
} from '../llm/engine.js';
import { parseTemplateSetting } from '../llm/local/template-setting.js';
import { ApiError } from './errors.js';
import { DEFAULT_REQUEST_LIMITS, promptTooLong, tooManyMessages, type RequestLimits } from './limits.js';
import { describeValue, isJsonObject } from './request.js';

const ROLES: Readonly<Record<string, ChatMessage['role']>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool' };

/** An assistant message's `tool_calls`: [{id, type: "function", function: {name, arguments}}]. */
function readToolCalls(v: unknown, param: string): HistoryToolCall[] {
  if (!Array.isArray(v)) throw ApiError.badRequest(`'${param}': expected a list of tool calls, got ${describeValue(v)}`, param, 'invalid_value');
  return v.map((c, j) => {
    const p = `${param}[${j}]`;
    const fn = isJsonObject(c) ? c.function : undefined;
    if (!isJsonObject(c) || !isJsonObject(fn))
      throw ApiError.badRequest(`'${p}': expected {id, type: "function", function: {name, arguments}}, got ${describeValue(c)}`, p, 'invalid_value');
    if (c.type !== undefined && c.type !== 'function')
      throw ApiError.badRequest(`'${p}.type': only "function" calls are supported, got ${describeValue(c.type)}`, `${p}.type`, 'invalid_value');
    if (typeof c.id !== 'string' || c.id === '')
      throw ApiError.badRequest(`'${p}.id': expected the call's id (a string), got ${describeValue(c.id)}`, `${p}.id`, 'invalid_value');
    if (typeof fn.name !== 'string' || fn.name === '')
      throw ApiError.badRequest(`'${p}.function.name': expected a string, got ${describeValue(fn.name)}`, `${p}.function.name`, 'invalid_value');
    if (typeof fn.arguments !== 'string')
      throw ApiError.badRequest(
        `'${p}.function.arguments': expected a JSON string, got ${describeValue(fn.arguments)}`,
        `${p}.function.arguments`,
        'invalid_value',
      );
    return { id: c.id, name: fn.name, arguments: fn.arguments };
  });
}

function contentText(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        if (!isJsonObject(part))
          throw ApiError.badRequest(`'${param}[${j}]': expected a content part object, got ${describeValue(part)}`, `${param}[${j}]`, 'invalid_value');
        if (part.type !== 'text') {
          throw ApiError.badRequest(
            `'${param}[${j}].type': only "text" content parts are supported, got ${describeValue(part.type)}`,
            `${param}[${j}].type`,
            'unsupported_content',
          );
        }
        if (typeof part.text !== 'string')
          throw ApiError.badRequest(`'${param}[${j}].text': expected a string, got ${describeValue(part.text)}`, `${param}[${j}].text`, 'invalid_value');
        return part.text;
      })
      .join('');
  }
  throw ApiError.badRequest(`'${param}': expected a string or a list of text parts, got ${describeValue(content)}`, param, 'invalid_value');
}

/**
 * Checks and converts the `messages` field. The limits are checked first (the count before
 * anything else, the total content length as it is read), so an oversized request is refused
 * in one pass, before any rendering.
 */
export function toChatMessages(messages: unknown, limits: RequestLimits = DEFAULT_REQUEST_LIMITS): ChatMessage[] {
  if (messages === undefined || messages === null)
    throw ApiError.badRequest("'messages' is required: a non-empty list of {role, content}", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) throw ApiError.badRequest(`'messages': expected a list, got ${describeValue(messages)}`, 'messages', 'invalid_value');
  if (messages.length === 0) throw ApiError.badRequest("'messages' must not be empty", 'messages', 'invalid_value');
  if (messages.length > limits.maxMessages) throw tooManyMessages(messages.length, limits);
  let chars = 0;
  return messages.map((m, i) => {
    const param = `messages[${i}]`;
    if (!isJsonObject(m)) throw ApiError.badRequest(`'${param}': expected an object with role and content, got ${describeValue(m)}`, param, 'invalid_value');
    if (typeof m.role !== 'string')
      throw ApiError.badRequest(`'${param}.role': expected a string, got ${describeValue(m.role)}`, `${param}.role`, 'invalid_value');
    const role = ROLES[m.role];
    if (!role) {
      throw ApiError.badRequest(
        `'${param}.role': "${m.role}" is not supported; use system, developer, user, assistant or tool`,
        `${param}.role`,
        'invalid_value',
      );
    }
    const hasCalls = m.tool_calls !== undefined && m.tool_calls !== null;
    if (hasCalls && role !== 'assistant')
      throw ApiError.badRequest(`'${param}.tool_calls': only assistant messages carry tool calls`, `${param}.tool_calls`, 'invalid_value');
    const toolCalls = hasCalls ? readToolCalls(m.tool_calls, `${param}.tool_calls`) : [];
    // an assistant message that calls tools may have no content
    let content = '';
    if (m.content !== undefined && m.content !== null) content = contentText(m.content, `${param}.content`);
    else if (toolCalls.length === 0) throw ApiError.badRequest(`'${param}.content' is required`, `${param}.content`, 'missing_required_parameter');
    chars += content.length + toolCalls.reduce((n, c) => n + c.arguments.length, 0);
    if (chars > limits.maxPromptChars) throw promptTooLong('messages', limits);
    if (role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || m.tool_call_id === '')
        throw ApiError.badRequest(
          `'${param}.tool_call_id' is required: the id of the call this message answers`,
          `${param}.tool_call_id`,
          'missing_required_parameter',
        );
      return { role, content, toolCallId: m.tool_call_id };
    }
    return toolCalls.length > 0 ? { role, content, toolCalls } : { role, content };
  });
}

/** A template-free rendering for engines that take only raw prompts. */
export function plainChatPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}\n`).join('') + 'assistant:';
}

/** Runs the chat on the engine: its own template when it has one, else the plain rendering. */
export function runChat(engine: LlmEngine, model: string, messages: ChatMessage[], params: ChatParams, options: InferOptions): Promise<InferResult> {
  if (!engine.toolCalling) {
    if (params.tools) throw ApiError.badRequest("'tools': tool calling needs a local model; this engine does not offer it", 'tools', 'unsupported_value');
    const i = messages.findIndex((m) => m.role === 'tool' || m.toolCalls);
    if (i >= 0)
      throw ApiError.badRequest(
        `'messages[${i}]': tool calls and results need a local model; this engine does not take them`,
        `messages[${i}]`,
        'unsupported_value',
      );
  }
  if (engine.chat) return engine.chat(model, messages, params, options);
  const stop = [...(params.stop ?? []), '\nuser:'];
  return engine.infer(model, plainChatPrompt(messages), { ...params, maxTokens: params.maxTokens ?? DEFAULT_INFER_PARAMS.maxTokens, stop }, options);
}

/** At start: every `chat_template` of the model table must be a Jinja string or a known name. */
export function checkChatTemplates(models: Readonly<Record<string, ModelTableEntry>>, configPath?: string): void {
  for (const [name, entry] of Object.entries(models)) {
    try {
      parseTemplateSetting(entry.chatTemplate);
    } catch (err) {
      throw new Error(`${configPath ?? 'runtime config'}: llm_models.${name}.chat_template: ${(err as Error).message}`);
    }
  }
}

/**
 * At start, before the API listens: every Jinja `chat_template` is rendered once on a sample
 * chat (node-llama-cpp's sanity test); one that cannot render stops the start naming the model.
 */
export async function checkChatTemplatesRender(models: Readonly<Record<string, ModelTableEntry>>, configPath?: string): Promise<void> {
  const jinja = Object.entries(models).flatMap(([name, e]) => {
    const setting = parseTemplateSetting(e.chatTemplate);
    return setting.type === 'jinja' ? [[name, setting.template] as const] : [];
  });
  if (jinja.length === 0) return;
  const { JinjaTemplateChatWrapper } = await import('node-llama-cpp');
  for (const [name, template] of jinja) {
    try {
      new JinjaTemplateChatWrapper({ template });
    } catch (err) {
      throw new Error(`${configPath ?? 'runtime config'}: llm_models.${name}.chat_template cannot render: ${(err as Error).message}`);
    }
  }
}
