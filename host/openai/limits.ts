/**
 * Size limits on generation requests, checked on the parsed body BEFORE any template rendering
 * or tokenization (whose cost grows with the input), so an oversized request costs one pass over
 * its JSON and gets a 400 that names the limit. See docs/openai-limits.md.
 *
 * - maxMessages: OpenAI's own API caps `messages` at 2048; no chat of that length fits the
 *   contexts local models run with, and each message costs template work.
 * - maxPromptChars: characters of all message contents together (chat) or of `prompt`
 *   (completions). 256 Ki characters is about 64k tokens of English: several times the default
 *   4096-token context per slot, yet small enough that rendering and tokenizing it stays cheap.
 *
 * Both can be changed with SPIN_TS_OPENAI_MAX_MESSAGES and SPIN_TS_OPENAI_MAX_PROMPT_CHARS. The prompt bound
 * is the one of every path into the engine, guests' included (host/llm/prompt-limit.ts).
 */
import { DEFAULT_MAX_PROMPT_CHARS, MAX_PROMPT_CHARS_ENV, positiveIntFromEnv } from '../llm/prompt-limit.js';
import { ApiError } from './errors.js';

export interface RequestLimits {
  maxMessages: number;
  maxPromptChars: number;
}

export const DEFAULT_REQUEST_LIMITS: Readonly<RequestLimits> = Object.freeze({ maxMessages: 2048, maxPromptChars: DEFAULT_MAX_PROMPT_CHARS });

const ENV: Readonly<Record<keyof RequestLimits, string>> = {
  maxMessages: 'SPIN_TS_OPENAI_MAX_MESSAGES',
  maxPromptChars: MAX_PROMPT_CHARS_ENV,
};

/** The defaults, overridden by the environment; a bad value is an error naming the variable. */
export function requestLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RequestLimits {
  const limits: RequestLimits = { ...DEFAULT_REQUEST_LIMITS };
  for (const key of Object.keys(ENV) as Array<keyof RequestLimits>) limits[key] = positiveIntFromEnv(env, ENV[key], limits[key]);
  return limits;
}

export function tooManyMessages(count: number, limits: RequestLimits): ApiError {
  return ApiError.badRequest(
    `'messages': ${count} messages is more than this server accepts (at most ${limits.maxMessages}; set SPIN_TS_OPENAI_MAX_MESSAGES to change it)`,
    'messages',
    'too_many_messages',
  );
}

export function promptTooLong(param: string, limits: RequestLimits): ApiError {
  return ApiError.badRequest(
    `'${param}': the prompt is longer than this server accepts (at most ${limits.maxPromptChars} characters; set SPIN_TS_OPENAI_MAX_PROMPT_CHARS to change it)`,
    param,
    'prompt_too_long',
  );
}

/**
 * Embedding inputs are tokenized on the engine's thread: all of them together are held to the
 * prompt bound (a 2 MB input stalled the server for ~0.6 s; the body limit allows 16 MiB).
 */
export function checkEmbeddingInputs(inputs: readonly string[], limits: RequestLimits): void {
  let chars = 0;
  for (const s of inputs) chars += s.length;
  if (chars > limits.maxPromptChars) {
    throw ApiError.badRequest(
      `'input': the inputs are ${chars} characters together, longer than this server accepts (at most ${limits.maxPromptChars} characters; set SPIN_TS_OPENAI_MAX_PROMPT_CHARS to change it)`,
      'input',
      'prompt_too_long',
    );
  }
}

/**
 * The largest chat body that can hold a request within the limits: every prompt character
 * escaped (at most 6 bytes), 256 bytes of JSON around each message and 256 KiB for the other
 * fields. A larger body is refused before it is parsed (parsing megabytes blocks the process).
 */
export function maxChatBodyBytes(limits: RequestLimits): number {
  return limits.maxPromptChars * 6 + limits.maxMessages * 256 + 256 * 1024;
}

export function chatBodyTooLarge(bytes: number, limits: RequestLimits): ApiError {
  return ApiError.badRequest(
    `the request body is ${bytes} bytes; a chat within this server's limits (at most ${limits.maxMessages} messages and ${limits.maxPromptChars} characters of prompt) is at most ${maxChatBodyBytes(limits)} bytes`,
    'messages',
    'request_too_large',
  );
}
