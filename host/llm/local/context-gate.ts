/**
 * Lets a KV-cache operation (erasing a sequence's history, copying cells between sequences)
 * through while other sequences of the same context keep generating.
 *
 * node-llama-cpp runs those operations under the context's lock, and its decode loop holds
 * that lock for as long as any decode is queued. With sequences generating, one always is: a
 * new request's `clearHistory()` in a freed slot, or a prompt-cache copy, waited until every
 * other sequence had finished (measured: 8 requests on 4 slots ran as two waves of 4, and a
 * prompt-cache entry published by a generating call stayed unready until it finished).
 *
 * So an operation a call waits for (clearing or adapting its slot, copying a cached prefix into
 * it) goes through `maintain()`, which closes the gate while it is pending; generate.ts waits at
 * the gate before it lets a sequence queue its next token (or its prompt). The queue then
 * drains after at most one more batch, the decode loop lets go of the lock, the operation runs
 * (microseconds to a few milliseconds), and the gate opens again. Filling a prompt-cache entry
 * from a generating call does not close the gate (nobody waits for it yet, and closing it would
 * pause generation behind every prompt already queued); it does once a call waits for that
 * entry (`hold()`, prefix-cache.ts).
 */
export class ContextGate {
  private pending = 0;
  private opened: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;

  /** Runs `op` (which takes node-llama-cpp's context lock) with generation paused at the gate. */
  async maintain<T>(op: () => Promise<T>): Promise<T> {
    const release = this.hold();
    try {
      return await op();
    } finally {
      release();
    }
  }

  /**
   * Closes the gate until the returned function is called (once): for an operation already
   * waiting for the lock that somebody now waits for in turn (a prompt-cache entry being filled).
   */
  hold(): () => void {
    if (this.pending++ === 0) this.opened = new Promise<void>((resolve) => (this.open = resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.pending === 0) this.open();
    };
  }

  /** While an operation is pending: a promise that resolves when the gate opens; else undefined. */
  passage(): Promise<void> | undefined {
    return this.pending > 0 ? this.opened : undefined;
  }

  /**
   * A prompt-cache copy out of a generating sequence (prefix-cache.ts). Here it just runs: it
   * waits for node-llama-cpp's lock, and hold() lets it in once somebody waits for it. The
   * native loop's gate parks the loop around it instead (native-gate.ts).
   */
  copy<T>(op: () => Promise<T>): Promise<T> {
    return op();
  }
}
