/**
 * One completion on one context sequence through the native token loop (native-loop.ts): the
 * same contract as generate.ts (exact prompt and generated token counts, maxTokens, 'length'
 * when the sequence's context is full, Spin's repeat window over prompt + generated tokens, the
 * reuse of the cached prefix), with decode, sampling, EOG, maxTokens and the context limit
 * handled on the loop's thread. Here, on the main thread, each token batch is turned into text:
 * stop strings, streaming, backpressure (a reader that is behind pauses the sequence in the
 * loop) and abort (the call rejects at once; the sequence ends before the loop's next decode).
 *
 * node-llama-cpp keeps its own record of each sequence's tokens (it decides what a next prompt
 * can reuse, and what a prompt-cache copy holds); the loop decodes behind its back, so the
 * record is brought up to date whenever node-llama-cpp touches the context (native-gate.ts)
 * and when the sequence ends.
 */

import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import type { InferResult } from '../engine.js';
import type { GenerateInput, GenerateOutcome } from './generate.js';
import type { NativeContextGate } from './native-gate.js';
import { DoneReason, type NativeParams } from './native-loop.js';
import { abortReason } from './slots.js';
import { GenerationText } from './text-stream.js';

/** Fewer cached tokens than this are not worth keeping (as generate.ts). */
const MIN_REUSED_PREFIX = 32;

function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

interface SequenceRecord {
  _contextTokens?: unknown;
  _nextTokenIndex?: unknown;
  _loadedTokenPredictions?: unknown;
  _sequenceId?: unknown;
}

/** Whether node-llama-cpp's record of a sequence has the shape syncRecord writes. */
export function canSyncRecord(sequence: LlamaContextSequence): boolean {
  const r = sequence as unknown as SequenceRecord;
  return (
    Array.isArray(r._contextTokens) &&
    typeof r._nextTokenIndex === 'number' &&
    Array.isArray(r._loadedTokenPredictions) &&
    typeof r._sequenceId === 'number' &&
    !sequence.needsCheckpoints
  );
}

/** Tells node-llama-cpp that the sequence's cells hold `tokens[0..kvLength)`. */
function syncRecord(sequence: LlamaContextSequence, tokens: readonly Token[], kvLength: number): void {
  const r = sequence as unknown as { _contextTokens: Token[]; _nextTokenIndex: number; _loadedTokenPredictions: unknown[] };
  if (r._loadedTokenPredictions.length > 0) return;
  r._contextTokens = tokens.slice(0, kvLength);
  r._nextTokenIndex = kvLength;
}

export interface NativeGenerateInput extends Omit<GenerateInput, 'gate' | 'tracker'> {
  gate: NativeContextGate;
}

function nativeParams(input: NativeGenerateInput, penaltyWindow: number): NativeParams {
  const { plan } = input;
  const extra = input.extra ?? {};
  const params: NativeParams = {
    temperature: plan.greedy ? 0 : plan.temperature,
    topK: plan.topK,
    topP: plan.topP,
    minP: extra.minP ?? 0,
    seed: Math.max(0, Math.floor(plan.seed)),
    penaltyLastN: penaltyWindow,
    repeatPenalty: plan.repeatPenalty,
    frequencyPenalty: plan.frequencyPenalty,
    presencePenalty: plan.presencePenalty,
    maxTokens: plan.maxTokens,
    contextSize: input.sequence.contextSize,
  };
  const biases = (extra.tokenBias as unknown as { _biases?: Map<number, number> } | undefined)?._biases;
  if (biases && biases.size > 0) {
    params.biasKeys = Uint32Array.from(biases.keys());
    params.biasValues = Float32Array.from(biases.values());
  }
  if (extra.grammar) {
    const g = extra.grammar as unknown as { _grammarText?: unknown; _rootRuleName?: unknown };
    if (typeof g._grammarText !== 'string') throw new Error('the grammar has no GBNF text');
    params.grammar = g._grammarText;
    params.grammarRoot = typeof g._rootRuleName === 'string' ? g._rootRuleName : 'root';
  }
  return params;
}

export async function generateNative(input: NativeGenerateInput): Promise<GenerateOutcome> {
  const { sequence, promptTokens, plan, signal, gate } = input;
  const loop = gate.loop;
  const model = sequence.model;
  const contextSize = sequence.contextSize;
  const id = (sequence as unknown as { _sequenceId: number })._sequenceId;
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
  if (signal?.aborted) return { error: abortReason(signal), settled: Promise.resolve() };

  try {
    // the cached prefix is kept or the history cleared, as generate.ts does
    const reusable = commonPrefixLength(sequence.contextTokens, promptTokens);
    const keep = (reusable >= MIN_REUSED_PREFIX && reusable * 2 >= promptTokens.length) || (input.cachedPrefix === true && reusable > 0);
    const adapting = gate.maintain(() => (keep ? sequence.adaptStateToTokens(promptTokens.slice(0, -1) as Token[], false) : sequence.clearHistory()));
    if (signal) {
      let onAbort: () => void = () => undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([adapting, aborted]);
      } catch (err) {
        return {
          error: err,
          settled: adapting.then(
            () => undefined,
            () => undefined,
          ),
        };
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    } else await adapting;
  } catch (error) {
    return { error, settled: Promise.resolve() };
  }

  const start = sequence.nextTokenIndex;
  const evalTokens = promptTokens.slice(start);
  const penaltyWindow = Math.min(plan.penaltyLastN, contextSize);
  // every token the loop sampled, decoded or not: the cells hold a prefix of these
  const tokens: Token[] = [...promptTokens];
  let kvLength = start;
  const untrack = gate.track(() => syncRecord(sequence, tokens, kvLength));

  let settle!: () => void;
  const done = new Promise<void>((r) => (settle = r));
  let finish!: (outcome: { result?: InferResult; error?: unknown }) => void;
  const ended = new Promise<{ result?: InferResult; error?: unknown }>((r) => (finish = r));
  let over = false;
  let generated = 0;
  let paused = false;

  const end = (outcome: { result?: InferResult; error?: unknown }, stopLoop: boolean): void => {
    if (over) return;
    over = true;
    signal?.removeEventListener('abort', onAbort);
    if (stopLoop) loop.stop(id);
    finish(outcome);
  };
  const succeed = (finishReason: InferResult['finishReason']): void => {
    try {
      const finalText = text.finish();
      end(
        {
          result: {
            text: finalText,
            promptTokens: promptTokens.length,
            generatedTokens: generated,
            finishReason,
            ...(text.stoppedBy !== undefined ? { stoppedBy: text.stoppedBy } : {}),
          },
        },
        finishReason === 'stop' && text.stoppedBy !== undefined,
      );
    } catch (error) {
      end({ error }, true);
    }
  };
  const onAbort = (): void => end({ error: abortReason(signal!) }, true);

  const backlog: Array<[Token, number]> = [];
  /** One generated token, in order: the same checks, in the same order, as generate.ts. */
  const take = (token: Token, cells: number): void => {
    try {
      if (generated === 0) input.onPromptEvaluated?.();
      if (model.isEogToken(token)) return succeed('stop');
      generated++;
      if (text.push(token)) return succeed('stop');
      if (generated >= plan.maxTokens) return succeed('length');
      // the loop stops here too: decoding this token would need the sequence's last cell
      if (cells >= contextSize - 1) return succeed('length');
      // a reader that is behind pauses the sequence (the slot stays held, no text piles up)
      const wait = text.takeBackpressure();
      if (wait) {
        paused = true;
        loop.pause(id, true);
        const resume = (): void => {
          if (over) return;
          paused = false;
          while (!over && !paused && backlog.length > 0) take(...backlog.shift()!);
          if (!over && !paused) loop.pause(id, false);
        };
        wait.then(resume, resume);
      }
    } catch (error) {
      end({ error }, true);
    }
  };

  try {
    loop.start(id, evalTokens, start, penaltyWindow > 0 ? promptTokens.slice(-penaltyWindow) : [], nativeParams(input, penaltyWindow), {
      onToken: (token, cells) => {
        tokens.push(token as Token);
        kvLength = cells;
        if (over) return;
        // while the reader is behind, tokens already on their way wait here, unread
        if (paused) backlog.push([token as Token, cells]);
        else take(token as Token, cells);
      },
      onError: (status) => end({ error: new Error(status === -1000 ? 'sampling found no token' : `llama_decode failed (${status})`) }, true),
      onDone: (reason, cells) => {
        if (cells >= 0) kvLength = cells;
        if (reason === DoneReason.error) {
          // the cells of a failed batch are unknown: drop the sequence's history
          syncRecord(sequence, tokens, kvLength);
          void gate
            .maintain(() => sequence.clearHistory())
            .catch(() => undefined)
            .finally(() => {
              untrack();
              settle();
            });
        } else {
          syncRecord(sequence, tokens, kvLength);
          untrack();
          settle();
        }
        // EOG, maxTokens and the context limit end it on both sides (here once the backlog is
        // read); a close or a failure ends it here
        if (!over && (reason === DoneReason.error || reason === DoneReason.stopped || cells < 0 || !paused)) {
          end({ error: new Error(reason === DoneReason.error ? 'generation failed in the token loop' : 'the token loop ended the sequence') }, false);
        }
      },
    });
  } catch (error) {
    untrack();
    return { error, settled: Promise.resolve() };
  } finally {
    input.started?.();
  }
  if (signal) {
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  const outcome = await ended;
  if (outcome.result) return { result: outcome.result, settled: done };
  return { error: outcome.error, callbackError, settled: done };
}
