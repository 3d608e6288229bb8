/**
 * A fixed set of resources (a model's context sequences) handed out one per call, with a
 * bounded FIFO queue of waiters behind them.
 *
 * - acquire() gets a free resource at once, else waits in the queue; a full queue throws
 *   LlmError('busy').
 * - An abort signal removes a waiter from the queue immediately.
 * - release() hands the resource straight to the oldest waiter, else returns it to the pool.
 *   A release may carry a `ready` promise (the resource's previous user still winding down);
 *   the next holder gets it and must await it before touching the resource. With it may come a
 *   `hurry` callback: the next holder calls it (lease.hurry()) as it starts to wait, for a
 *   wind-down that would otherwise take its time because nobody was known to wait for it.
 */

import { LlmError } from '../engine.js';

export interface Lease<T> {
  resource: T;
  /** Resolves when the previous holder has finished with the resource. */
  ready: Promise<void>;
  /** Tell the previous holder's wind-down that this holder now waits for it (see release). */
  hurry(): void;
  /**
   * Give the resource back; `ready` is what the next holder must wait for, and `hurry` what it
   * calls when it starts waiting. Idempotent.
   */
  release(ready?: Promise<void>, hurry?: () => void): void;
}

interface Waiter<T> {
  grant: (lease: Lease<T>) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

interface FreeSlot<T> {
  resource: T;
  ready: Promise<void>;
  hurry: () => void;
}

export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
  err.name = 'AbortError';
  return err;
}

export class SlotPool<T> {
  private readonly free: FreeSlot<T>[];
  private readonly order: Map<T, number>;
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;
  running = 0;

  constructor(
    resources: readonly T[],
    readonly queueLimit: number,
    private readonly label = 'model',
  ) {
    this.free = resources.map((resource) => ({ resource, ready: Promise.resolve(), hurry: () => undefined }));
    this.order = new Map(resources.map((r, i) => [r, i]));
    this.size = resources.length;
  }

  readonly size: number;

  get queued(): number {
    return this.waiters.length;
  }

  acquire(signal?: AbortSignal): Promise<Lease<T>> {
    if (this.closed) return Promise.reject(new LlmError('runtime-error', 'the LLM engine is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const slot = this.takeLowest();
    if (slot) return Promise.resolve(this.lease(slot));
    if (this.waiters.length >= this.queueLimit) {
      return Promise.reject(
        new LlmError('busy', `busy: all ${this.size} slots of ${this.label} are in use and ${this.waiters.length} calls are queued; retry later`),
      );
    }
    return new Promise<Lease<T>>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortReason(signal!));
      };
      const waiter: Waiter<T> = {
        grant: resolve,
        reject,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * The free slot that came first in the constructor's list. The engine's slots are its
   * context's sequences in id order, so busy sequences keep consecutive ids, which llama.cpp
   * decodes in one ubatch (batching.ts).
   */
  private takeLowest(): FreeSlot<T> | undefined {
    if (this.free.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < this.free.length; i++) if (this.order.get(this.free[i]!.resource)! < this.order.get(this.free[best]!.resource)!) best = i;
    return this.free.splice(best, 1)[0];
  }

  private lease(slot: FreeSlot<T>): Lease<T> {
    this.running++;
    let released = false;
    return {
      resource: slot.resource,
      ready: slot.ready,
      hurry: slot.hurry,
      release: (ready?: Promise<void>, hurry?: () => void) => {
        if (released) return;
        released = true;
        this.running--;
        this.handBack({ resource: slot.resource, ready: ready ?? Promise.resolve(), hurry: hurry ?? (() => undefined) });
      },
    };
  }

  private handBack(slot: FreeSlot<T>): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.cleanup();
      waiter.grant(this.lease(slot));
    } else {
      this.free.push(slot);
    }
  }

  /** Reject every waiter and refuse new calls. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new LlmError('runtime-error', 'the LLM engine is closed'));
    }
  }
}
