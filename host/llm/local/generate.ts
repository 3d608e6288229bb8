/**
 * One completion on one context sequence, driven token by token through node-llama-cpp's
 * `LlamaContextSequence.evaluate` (rather than LlamaCompletion) so that:
 *  - the prompt token count is exact (the tokens of the prompt as evaluated, BOS included);
 *  - the generated token count is exact: every sampled token except the end-of-generation
 *    token (tokens that complete a stop string are counted — they were generated);
 *  - maxTokens is exact, and generation stops with 'length' (no context shift) when the
 *    sequence's context is full;
 *  - the repeat penalty window is what Spin/llama.cpp use: the last
 *    `repeatPenaltyLastNTokenCount` tokens of prompt + generated text (LlamaCompletion's window
 *    covers generated tokens only, and its penalty defaults differ). The frequency and presence
 *    penalties use the same window.
 *  - sequences of one context decode together: node-llama-cpp batches the pending tokens of
 *    every sequence of a context into one llama_decode per cycle.
 * The prompt's longest prefix already in the sequence's KV cache is reused (not re-evaluated).
 */

import { LlamaGrammarEvaluationState, type LlamaContextSequence, type LlamaGrammar, type Token, type TokenBias } from 'node-llama-cpp';
import type { InferResult } from '../engine.js';
import type { GenerationTracker } from './batching.js';
import type { ContextGate } from './context-gate.js';
import type { SamplingPlan } from './params.js';
import { abortReason } from './slots.js';
import { LogprobRecorder } from './logprobs.js';
import { GenerationText } from './text-stream.js';

export interface GenerateInput {
  sequence: LlamaContextSequence;
  promptTokens: readonly Token[];
  plan: SamplingPlan;
  /** Sampling beyond Spin's parameters (the OpenAI API's): made by the engine from InferParams. */
  extra?: ExtraSampling;
  signal?: AbortSignal;
  /** The sequence holds a prefix of the prompt copied from the prompt cache (prefix-cache.ts): keep it whatever its length. */
  cachedPrefix?: boolean;
  /** Called once the prompt is in the sequence's KV cells (the first token is sampled), before more is decoded. */
  onPromptEvaluated?: () => void;
  /** A returned promise pauses generation until it settles (backpressure). */
  onText?: (chunk: string) => unknown;
  /** Told while this sequence queues one token per step, so a batch waits for it (batching.ts). */
  tracker?: GenerationTracker;
  /** The context's KV operations: they run through it, and the next token waits while one is pending (context-gate.ts). */
  gate?: ContextGate;
  /** Called once the sequence has started generating (or could not): the native loop stops holding for it (native-loop.ts expect). */
  started?: () => void;
}

export interface ExtraSampling {
  minP?: number;
  tokenBias?: TokenBias;
  /** Each generation gets a fresh evaluation state of it: the sampler only offers tokens the grammar allows. */
  grammar?: LlamaGrammar;
  /** Record each token's log probability and this many alternatives (logprobs.ts). */
  logprobs?: number;
}

export interface GenerateOutcome {
  result?: InferResult;
  error?: unknown;
  /** The error was thrown by the caller's onText callback (pass it on unchanged). */
  callbackError?: boolean;
  /** Resolves once the sequence is idle again (after an abort, the in-flight decode finishes first). */
  settled: Promise<void>;
}

function abortPromise(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => undefined), dispose: () => undefined };
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/** Fewer cached tokens than this are not worth keeping (see generate). */
const MIN_REUSED_PREFIX = 32;

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export async function generate(input: GenerateInput): Promise<GenerateOutcome> {
  const { sequence, promptTokens, plan, signal } = input;
  const model = sequence.model;
  const contextSize = sequence.contextSize;
  const all: Token[] = [...promptTokens];
  let callbackError = false;
  const onText = input.onText;
  const text = new GenerationText(
    model,
    promptTokens,
    plan.stop,
    onText &&
      ((chunk: string) => {
        try {
          return onText(chunk);
        } catch (err) {
          callbackError = true;
          throw err;
        }
      }),
  );
  const aborted = abortPromise(signal);
  // whether the context's tracker counts this sequence as generating (one token per step)
  let counted = false;
  const count = (on: boolean): void => {
    if (input.tracker && on !== counted) input.tracker.add(on ? 1 : -1);
    counted = on;
  };
  type Step = Token | { token: Token; confidence?: number; probabilities?: Map<Token, number> };
  let iterator: AsyncGenerator<Step, void, void | Token | Token[]> | undefined;
  let inflight: Promise<unknown> | undefined;
  const closeIterator = async (): Promise<void> => {
    await inflight?.catch(() => undefined);
    await iterator?.return().catch(() => undefined);
  };

  try {
    // Keep the longest cached prefix when it is worth keeping (at least the last prompt token
    // must be evaluated to get logits). A short leftover prefix is cleared instead: measured on
    // a 4-sequence context, decoding after a kept stale history ran ~15% slower than after a
    // clear (39.6 vs 46.9 tokens/s, TinyLlama-1.1B shape, 2 threads), while reusing a few
    // tokens saves nothing.
    const reusable = commonPrefixLength(sequence.contextTokens, promptTokens);
    const keep = (reusable >= MIN_REUSED_PREFIX && reusable * 2 >= promptTokens.length) || (input.cachedPrefix === true && reusable > 0);
    const adaptOrClear = () => (keep ? sequence.adaptStateToTokens(promptTokens.slice(0, -1) as Token[], false) : sequence.clearHistory());
    const adapting = input.gate ? input.gate.maintain(adaptOrClear) : adaptOrClear();
    inflight = adapting;
    await Promise.race([adapting, aborted.promise]);
    inflight = undefined;
    const evalTokens = promptTokens.slice(sequence.nextTokenIndex) as Token[];
    const penaltyWindow = Math.min(plan.penaltyLastN, contextSize);
    const extra = input.extra ?? {};
    const recorder = extra.logprobs !== undefined ? new LogprobRecorder(model, extra.logprobs) : undefined;
    const options: Parameters<LlamaContextSequence['evaluate']>[1] = {
      temperature: plan.greedy ? 0 : plan.temperature,
      topK: plan.topK,
      topP: plan.topP,
      minP: extra.minP ?? 0,
      seed: plan.seed,
      yieldEogToken: true,
      // the sampler accepts each sampled token into this state, so the grammar follows the text
      ...(extra.grammar ? { grammarEvaluationState: new LlamaGrammarEvaluationState({ model, grammar: extra.grammar }) } : {}),
      ...(extra.tokenBias ? { tokenBias: extra.tokenBias } : {}),
      ...(penaltyWindow > 0
        ? {
            repeatPenalty: {
              punishTokens: () => all.slice(-penaltyWindow),
              maxPunishTokens: penaltyWindow,
              penalty: plan.repeatPenalty,
              frequencyPenalty: plan.frequencyPenalty,
              presencePenalty: plan.presencePenalty,
            },
          }
        : {}),
    };
    iterator = recorder
      ? sequence.evaluateWithMetadata(evalTokens, { confidence: true, probabilities: recorder.top > 0 }, options)
      : sequence.evaluate(evalTokens, options);

    let generated = 0;
    let finishReason: InferResult['finishReason'] = 'length';
    for (;;) {
      // a KV operation of another call is waiting for the context lock: queue nothing until it ran
      const passage = input.gate?.passage();
      if (passage) {
        count(false);
        await Promise.race([passage, aborted.promise]);
      }
      // from its prompt on, this sequence always has a decode queued or about to be (batching.ts)
      count(true);
      const step = iterator.next();
      inflight = step;
      const r = await Promise.race([step, aborted.promise]);
      inflight = undefined;
      if (r.done) {
        finishReason = 'stop';
        break;
      }
      const token = typeof r.value === 'number' ? r.value : r.value.token;
      if (generated === 0) input.onPromptEvaluated?.();
      if (model.isEogToken(token)) {
        finishReason = 'stop';
        break;
      }
      generated++;
      if (recorder && typeof r.value !== 'number') recorder.push(token, all.at(-1), r.value.confidence, r.value.probabilities);
      all.push(token);
      if (text.push(token)) {
        finishReason = 'stop';
        break;
      }
      if (generated >= plan.maxTokens) break;
      // a reader that is behind pauses generation here (the slot stays held, no text piles up)
      const wait = text.takeBackpressure();
      if (wait) {
        count(false);
        await Promise.race([wait, aborted.promise]);
      }
      // the next step decodes this token into the KV cache; node-llama-cpp keeps one cell of a
      // sequence free and would shift the context (drop its start) rather than fail, so stop here:
      // at most contextSize - promptTokens tokens are generated
      if (sequence.nextTokenIndex >= contextSize - 1) break;
    }
    count(false);
    const finalText = text.finish();
    await closeIterator();
    return {
      result: {
        text: finalText,
        promptTokens: promptTokens.length,
        generatedTokens: generated,
        finishReason,
        ...(text.stoppedBy !== undefined ? { stoppedBy: text.stoppedBy } : {}),
        ...(recorder ? { logprobs: recorder.forText(finalText) } : {}),
      },
      settled: Promise.resolve(),
    };
  } catch (error) {
    return { error, callbackError, settled: closeIterator() };
  } finally {
    count(false);
    aborted.dispose();
  }
}
