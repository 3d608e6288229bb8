/**
 * The server's cap on generated tokens (llama-server's `-n`/`--n-predict`, the model table's
 * `max_tokens`): a request that sets no limit gets the cap, one asking for more is cut to it, as
 * llama-server does, and the log says so. With no cap the model's context bounds the answer.
 */
import type { ApiContext } from './context.js';

export interface TokenCaps {
  /** `-n`/`--n-predict`: every model's cap. */
  all?: number | undefined;
  /** The model table's `max_tokens`, by model: wins over `all`. */
  byModel: ReadonlyMap<string, number>;
}

export function capFor(caps: TokenCaps, model: string): number | undefined {
  return caps.byModel.get(model) ?? caps.all;
}

/**
 * Log a chat answer that ran to the end of the context because nothing bounded it (no limit in
 * the request, no cap on the server): the one case a client's misplaced limit costs minutes.
 */
export function noteUnbounded(ctx: ApiContext, model: string, maxTokens: number | undefined, finishReason: string, generated: number): void {
  if (maxTokens !== undefined || finishReason !== 'length') return;
  ctx.log(
    `request on '${model}' set no max_tokens and generated ${generated} tokens, to the end of the context; cap it with -n/--n-predict or the model table's max_tokens`,
  );
}

/** `requested` (the request's limit, or its endpoint's default) bounded by the server's cap. */
export function cappedMaxTokens(ctx: ApiContext, model: string, requested: number | undefined): number | undefined {
  const cap = capFor(ctx.tokenCaps, model);
  if (cap === undefined) return requested;
  if (requested === undefined) return cap;
  if (requested > cap) {
    ctx.log(`request on '${model}' asked for ${requested} tokens; the server's cap is ${cap} (-n/--n-predict or the model table's max_tokens)`);
    return cap;
  }
  return requested;
}
