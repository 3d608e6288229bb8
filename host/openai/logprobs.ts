/**
 * Log probabilities in OpenAI's two shapes: chat's `choices[].logprobs.content[]`
 * ({token, logprob, bytes, top_logprobs}) and the legacy completions' `choices[].logprobs`
 * ({tokens, token_logprobs, top_logprobs: [{token: logprob}], text_offset}). Streamed, they come
 * with the last chunk (the one with the finish reason), which the official clients add to the
 * choice like any other chunk's.
 */
import type { GeneratedTokenLogprob, InferParams, LlmEngine } from '../llm/engine.js';
import { ApiError } from './errors.js';

/** A request for log probabilities on an engine that cannot give them is a 400, not a silent null. */
export function checkLogprobsSupported(engine: LlmEngine, params: Pick<InferParams, 'logprobs'>): void {
  if (params.logprobs !== undefined && !engine.tokenLogprobs)
    throw ApiError.badRequest("'logprobs': log probabilities need a local model; this engine does not report them", 'logprobs', 'unsupported_value');
}

export function chatLogprobs(entries: readonly GeneratedTokenLogprob[] | undefined) {
  if (!entries) return null;
  return {
    content: entries.map((e) => ({
      token: e.token,
      logprob: e.logprob,
      bytes: e.bytes,
      top_logprobs: e.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes })),
    })),
    refusal: null,
  };
}

export function completionLogprobs(entries: readonly GeneratedTokenLogprob[] | undefined) {
  if (!entries) return null;
  // each token's offset in the text, in characters (a partial UTF-8 character counts once complete)
  const offsets: number[] = [];
  const decoder = new TextDecoder();
  let chars = 0;
  for (const e of entries) {
    offsets.push(chars);
    chars += decoder.decode(Uint8Array.from(e.bytes), { stream: true }).length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => Object.fromEntries(e.top.map((t) => [t.token, t.logprob]))),
    text_offset: offsets,
  };
}
