/**
 * The one prompt-size bound of every way into the engine: the OpenAI API's chat and completions
 * (host/openai/limits.ts), Spin's remote `/infer` (host/openai/spin-remote.ts) and a guest's
 * `fermyon:spin/llm` infer (host/factors/llm/). Rendering and tokenizing grow with the prompt,
 * so a longer one is refused before either starts (docs/openai-limits.md).
 *
 * 256 Ki characters (UTF-16 code units, as JavaScript counts them) is about 64k tokens of
 * English: several times the default 4096-token context per slot. SPIN_TS_OPENAI_MAX_PROMPT_CHARS
 * changes it for the whole process.
 */
export const DEFAULT_MAX_PROMPT_CHARS = 256 * 1024;
export const MAX_PROMPT_CHARS_ENV = 'SPIN_TS_OPENAI_MAX_PROMPT_CHARS';

/** A positive integer from the environment variable `name`, or `fallback` when it is unset; a bad value is an error naming it. */
export function positiveIntFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

export function maxPromptCharsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return positiveIntFromEnv(env, MAX_PROMPT_CHARS_ENV, DEFAULT_MAX_PROMPT_CHARS);
}

/** The message of a prompt over the bound (`what` names it: "the prompt", "'prompt'"). */
export function promptTooLongMessage(what: string, chars: number, maxChars: number): string {
  return `${what} is ${chars} characters, longer than this server accepts (at most ${maxChars} characters; set ${MAX_PROMPT_CHARS_ENV} to change it)`;
}
