/**
 * The context gate of a context whose tokens the native loop generates (native-loop.ts).
 *
 * node-llama-cpp's KV operations (erasing a sequence's history, copying cells into a prompt-cache
 * entry) take its lock, which nothing holds here: its decode loop is idle. What must not run
 * beside them is the native loop's thread. So every such operation parks the loop first (it stops
 * between two steps, at most one decode away), then brings node-llama-cpp's record of each running
 * sequence up to date (the tokens in its cells: node-llama-cpp did not see them decoded), runs,
 * and lets the loop go on.
 */
import { ContextGate } from './context-gate.js';
import type { NativeTokenLoop } from './native-loop.js';

export class NativeContextGate extends ContextGate {
  private readonly syncs = new Set<() => void>();

  constructor(readonly loop: NativeTokenLoop) {
    super();
  }

  /** A running sequence's way to bring node-llama-cpp's record up to date; the returned function removes it. */
  track(sync: () => void): () => void {
    this.syncs.add(sync);
    return () => this.syncs.delete(sync);
  }

  override async maintain<T>(op: () => Promise<T>): Promise<T> {
    await this.loop.park();
    try {
      for (const sync of this.syncs) sync();
      return await op();
    } finally {
      this.loop.unpark();
    }
  }

  /** Nothing to let through: the operations park the loop themselves. */
  override hold(): () => void {
    return () => undefined;
  }

  override passage(): Promise<void> | undefined {
    return undefined;
  }

  override copy<T>(op: () => Promise<T>): Promise<T> {
    return this.maintain(op);
  }
}
