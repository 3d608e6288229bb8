/**
 * A prompt-prefix cache shared by the sequences of one context: serverless AI apps send the same
 * long system prompt with a short user input each time, and every slot evaluating that prompt
 * again is the bulk of their time to first token.
 *
 * - The cache owns `capacity` extra sequences of the context. Each holds one evaluated prompt
 *   (all but its last token) in its KV cells; entries are least-recently-used ordered.
 * - prepare(target, prompt) looks for the entry sharing the longest prefix with the prompt. When
 *   that prefix is at least MIN_SHARED_PREFIX tokens and longer than what the target sequence
 *   already holds, the entry's KV cells are copied into the target (llama.cpp's
 *   llama_memory_seq_cp, through node-llama-cpp) and cut to the shared prefix; the caller then
 *   evaluates only the rest.
 * - With no such entry, the call evaluates its prompt in its own slot as usual, and a new entry
 *   (a free sequence, else the least recently used entry no one is reading) is reserved for it:
 *   once the prompt is evaluated the call publishes it, copying the slot's cells into the entry.
 *   The call pays nothing more than a copy. An entry not yet published is found too: concurrent
 *   requests with the same prefix wait for that one evaluation instead of each doing it.
 * - Entries in use (being evaluated or copied from) are never evicted; when every entry is in
 *   use, a prompt simply goes uncached.
 * Models whose sequences need checkpoints to reuse a prefix (recurrent, hybrid, sliding-window
 * attention) get no cache: their cells cannot be cut to a prefix.
 */
import { ContextGate } from './context-gate.js';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/** Shorter shared prefixes are not worth a copy. */
export const MIN_SHARED_PREFIX = 32;

interface Entry {
  sequence: LlamaContextSequence;
  /** The tokens the entry holds (or will hold once `ready` resolves true). */
  tokens: readonly Token[];
  ready: Promise<boolean>;
  /** Somebody waits for `ready`: make the pending copy go through the context gate. */
  hurry: () => void;
  /** Calls evaluating into or copying from the entry; > 0 means it cannot be evicted. */
  users: number;
  lastUsed: number;
}

export interface PrefixCacheStats {
  capacity: number;
  entries: number;
  /** Prompts that started from an entry another prompt had evaluated. */
  hits: number;
  /** Prompts evaluated into a new entry. */
  misses: number;
  evictions: number;
}

/** node-llama-cpp's own (internal) copy of one sequence's state into another, cut to `upToTokenIndex` tokens. */
interface CopyableSequence {
  _copyStateFromOtherSequence?: (other: LlamaContextSequence, upToTokenIndex: number) => Promise<boolean>;
}

/** What prepare() did for a call. */
export interface Prepared {
  /** Tokens of the prompt the target now holds from the cache (0: none; the caller evaluates it all). */
  cached: number;
  /**
   * Call once the target has evaluated the prompt: its prefix becomes a cache entry. The copy
   * settles in the background; the target must not be given to another call before it does.
   */
  publish?: () => Promise<void>;
  /**
   * Somebody waits for the publish copy to settle (the target's next holder): let it through the
   * context gate soon instead of whenever generation pauses. Call after publish; harmless anytime.
   */
  hurry?: () => void;
  /** Call when the call ends; gives up a reserved entry that was never published. Idempotent. */
  done: () => void;
}

const NOTHING: Prepared = { cached: 0, done: () => undefined };

export function commonPrefixLength(a: readonly Token[], b: readonly Token[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  return a.length === b.length && commonPrefixLength(a, b) === a.length;
}

/** Whether this node-llama-cpp can copy a sequence's cells and the model's cells can be cut to a prefix. */
export function canCachePrefixes(sequence: LlamaContextSequence): boolean {
  return typeof (sequence as unknown as CopyableSequence)._copyStateFromOtherSequence === 'function' && !sequence.needsCheckpoints;
}

export class PrefixCache {
  private readonly free: LlamaContextSequence[];
  private readonly entries: Entry[] = [];
  private clock = 0;
  private readonly counts = { hits: 0, misses: 0, evictions: 0 };

  /** `gate`: the context's, through which every copy and erase goes (context-gate.ts). */
  constructor(
    sequences: readonly LlamaContextSequence[],
    private readonly gate: ContextGate = new ContextGate(),
  ) {
    this.free = [...sequences];
    this.capacity = sequences.length;
  }

  readonly capacity: number;

  stats(): PrefixCacheStats {
    return { capacity: this.capacity, entries: this.entries.length, ...this.counts };
  }

  /** The token lists the entries hold, most recently used first (for tests). */
  cachedPrefixes(): Token[][] {
    return [...this.entries].sort((a, b) => b.lastUsed - a.lastUsed).map((e) => [...e.tokens]);
  }

  /**
   * Puts the longest cached prefix of `promptTokens` into `target` (a sequence the caller holds
   * alone), or reserves an entry the caller publishes once it has evaluated the prompt.
   */
  async prepare(target: LlamaContextSequence, promptTokens: readonly Token[]): Promise<Prepared> {
    // the last prompt token is always evaluated by the caller (its logits give the first token)
    const prefix = promptTokens.slice(0, -1);
    if (prefix.length < MIN_SHARED_PREFIX) return NOTHING;
    const own = commonPrefixLength(target.contextTokens, prefix);
    let best: Entry | undefined;
    let bestLength = 0;
    for (const e of this.entries) {
      const n = commonPrefixLength(e.tokens, prefix);
      if (n > bestLength) {
        best = e;
        bestLength = n;
      }
    }
    if (best && bestLength >= MIN_SHARED_PREFIX && bestLength > own) {
      this.counts.hits++;
      return { cached: await this.copyFrom(best, target, bestLength), done: () => undefined };
    }
    // the target's own history covers the prompt well (generate.ts reuses it): nothing to add
    if (own >= MIN_SHARED_PREFIX && own * 2 >= promptTokens.length) return NOTHING;
    const reserved = this.reserve(prefix);
    if (!reserved) return NOTHING;
    this.counts.misses++;
    return { cached: 0, publish: () => reserved.publish(target), hurry: reserved.hurry, done: reserved.abandon };
  }

  private async copyFrom(entry: Entry, target: LlamaContextSequence, length: number): Promise<number> {
    entry.users++;
    entry.lastUsed = ++this.clock;
    try {
      entry.hurry();
      if (!(await entry.ready)) return 0;
      const copy = (target as unknown as CopyableSequence)._copyStateFromOtherSequence!;
      const copied = await this.gate.maintain(() => copy.call(target, entry.sequence, length)).catch(() => false);
      if (copied) return length;
      await this.gate.maintain(() => target.clearHistory());
      return 0;
    } finally {
      entry.users--;
    }
  }

  /** A new entry for `tokens`, filled when the caller publishes; undefined when every entry is in use. */
  private reserve(tokens: readonly Token[]): { publish: (from: LlamaContextSequence) => Promise<void>; hurry: () => void; abandon: () => void } | undefined {
    let sequence = this.free.pop();
    if (!sequence) {
      const idle = this.entries.filter((e) => e.users === 0).sort((a, b) => a.lastUsed - b.lastUsed)[0];
      if (!idle) return undefined;
      this.entries.splice(this.entries.indexOf(idle), 1);
      this.counts.evictions++;
      sequence = idle.sequence;
    }
    const held = sequence;
    let settle!: (ok: boolean) => void;
    // Once the copy into the entry has started it waits for node-llama-cpp's context lock; a call
    // waiting for the entry then closes the gate so that the copy gets the lock soon. Not before
    // it started: the filling call itself would wait at the gate before its prompt.
    let wanted = false;
    let copying = false;
    let ready = false;
    let release: (() => void) | undefined;
    const holdGateIfWaitedFor = (): void => {
      if (wanted && copying && !ready) release ??= this.gate.hold();
    };
    const entry: Entry = {
      sequence: held,
      tokens,
      users: 1,
      lastUsed: ++this.clock,
      ready: new Promise<boolean>((r) => (settle = r)).finally(() => {
        ready = true;
        release?.();
      }),
      hurry: () => {
        wanted = true;
        holdGateIfWaitedFor();
      },
    };
    this.entries.push(entry);
    let settled = false;
    const finish = async (ok: boolean): Promise<void> => {
      if (!ok) {
        const i = this.entries.indexOf(entry);
        if (i >= 0) this.entries.splice(i, 1);
        await this.gate.maintain(() => held.clearHistory()).catch(() => undefined);
        this.free.push(held);
      }
      entry.users--;
      settle(ok);
    };
    const copy = (held as unknown as CopyableSequence)._copyStateFromOtherSequence!;
    return {
      hurry: entry.hurry,
      publish: (from) => {
        if (settled) return Promise.resolve();
        settled = true;
        // the caller's generation goes on meanwhile: the copy is cut back to the prefix, and kept
        // only if it holds exactly the prefix (the entry's key)
        copying = true;
        holdGateIfWaitedFor();
        return this.gate
          .copy(() => copy.call(held, from, tokens.length))
          .then((ok) => ok && sameTokens(held.contextTokens, tokens))
          .catch(() => false)
          .then((ok) => finish(ok));
      },
      abandon: () => {
        if (settled) return;
        settled = true;
        void finish(false);
      },
    };
  }
}
