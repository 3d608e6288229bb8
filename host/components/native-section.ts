/**
 * Calls into native code that a worker must not be terminated in the middle of. V8 cannot
 * stop a thread that is inside a native call: `worker.terminate()` then waits for the call
 * to return (forever, for an endless SQLite query), and a binding that finds its JS
 * environment gone when it does return may abort the whole process (libsql does). So the
 * worker marks each such call in a shared cell, and the pool only terminates a worker that
 * is outside one; a call that is already running is bounded by its own deadline (a SQLite
 * statement is interrupted at the end of its request's time) and the pool waits for it.
 *
 * One Int32 per worker: OUTSIDE → INSIDE (the worker enters a call) → OUTSIDE (it left);
 * OUTSIDE → STOPPING (the pool claims the worker: it will never enter another call).
 */

const OUTSIDE = 0;
const INSIDE = 1;
const STOPPING = 2;

export function newNativeSectionCell(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** Thrown in the worker when a native call is refused because the pool is stopping it. */
export class WorkerStopping extends Error {
  constructor() {
    super('the request is being stopped');
    this.name = 'WorkerStopping';
  }
}

/** Worker side: runs `fn` as a call the pool will not cut in half. */
export class NativeSection {
  private readonly cell: Int32Array;
  constructor(shared: SharedArrayBuffer) {
    this.cell = new Int32Array(shared);
  }

  run<T>(fn: () => T): T {
    // Re-entry (a call made from inside another) is already covered by the outer mark.
    const before = Atomics.compareExchange(this.cell, 0, OUTSIDE, INSIDE);
    if (before === INSIDE) return fn();
    if (before === STOPPING) throw new WorkerStopping();
    try {
      return fn();
    } finally {
      Atomics.compareExchange(this.cell, 0, INSIDE, OUTSIDE);
    }
  }
}

/** Pool side: claims the worker for termination; false while it is inside a native call (try again shortly). */
export function claimForStop(shared: SharedArrayBuffer): boolean {
  const cell = new Int32Array(shared);
  return Atomics.compareExchange(cell, 0, OUTSIDE, STOPPING) !== INSIDE;
}
