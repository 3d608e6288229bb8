/**
 * OpenAI chat messages → the engine's ChatMessage list, and the chat call itself.
 *
 * - Roles: system, developer (treated as system), user, assistant. tool/function messages are
 *   refused (no tool calling).
 * - Content: a string, or a list of text parts (joined); other part types (images, audio) are
 *   refused.
 * - Engines with a `chat` method render the messages with the model's template: the model table's
 *   `chat_template`, else the one in the GGUF (host/llm/local/chat.ts). Engines without one (Spin's
 *   remote protocol) get the plain rendering below, ending with "assistant:".
 */
import type { ModelTableEntry } from '../llm/runtime-config.js';
import { DEFAULT_INFER_PARAMS, type ChatMessage, type ChatParams, type InferOptions, type InferResult, type LlmEngine } from '../llm/engine.js';
import { parseTemplateSetting } from '../llm/local/template-setting.js';
import { ApiError } from './errors.js';
import { DEFAULT_REQUEST_LIMITS, promptTooLong, tooManyMessages, type RequestLimits } from './limits.js';
import { describeValue, isJsonObject } from './request.js';

const ROLES: Readonly<Record<string, ChatMessage['role']>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

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
      throw ApiError.badRequest(`'${param}.role': "${m.role}" is not supported; use system, developer, user or assistant`, `${param}.role`, 'invalid_value');
    }
    if (m.tool_calls !== undefined && m.tool_calls !== null)
      throw ApiError.badRequest(`'${param}.tool_calls': tool calls are not supported`, `${param}.tool_calls`, 'unsupported_parameter');
    if (m.content === undefined || m.content === null)
      throw ApiError.badRequest(`'${param}.content' is required`, `${param}.content`, 'missing_required_parameter');
    const content = contentText(m.content, `${param}.content`);
    chars += content.length;
    if (chars > limits.maxPromptChars) throw promptTooLong('messages', limits);
    return { role, content };
  });
}

/** A template-free rendering for engines that take only raw prompts. */
export function plainChatPrompt(messages: readonly ChatMessage[]): string {
  return messages.map((m) => `${m.role}: ${m.content}\n`).join('') + 'assistant:';
}

/** Runs the chat on the engine: its own template when it has one, else the plain rendering. */
export function runChat(engine: LlmEngine, model: string, messages: ChatMessage[], params: ChatParams, options: InferOptions): Promise<InferResult> {
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
