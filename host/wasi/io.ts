/**
 * wasi:io (error, poll, streams) — ours, not preview2-shim's.
 *
 * Why: jco checks every resource it receives with `instanceof` against the class the
 * import object handed it, so the streams and pollables returned by clocks, http and
 * filesystem must all come from one implementation. preview2-shim's streams route every
 * call through a helper thread (a synchronous round trip per read or write), and its HTTP
 * resources cannot be constructed outside its own socket server. Guest code here already
 * runs on a worker thread that may block, so plain synchronous streams over in-memory
 * sources and sinks are both simpler and faster.
 */

/** A thrown value jco turns into the `err` side of a `result` (it reads `.payload`). */
export class WasiResultError extends Error {
  constructor(readonly payload: unknown) {
    super(typeof payload === 'object' && payload && 'tag' in payload ? String((payload as { tag: unknown }).tag) : String(payload));
  }
}

/** wasi:io/error.error */
export class IoError {
  constructor(readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

let beforeBlocking: () => void = () => {};
/**
 * Registers what must happen before this thread blocks (the worker sends the response
 * bytes a guest has written so far, so a client sees them while the guest waits).
 */
export function setBeforeBlocking(hook: () => void): void {
  beforeBlocking = hook;
}
export function notifyBlocking(): void {
  beforeBlocking();
}

/** Blocks this thread (a worker) for `ms` milliseconds. */
export function blockFor(ms: number): void {
  if (ms > 0) {
    beforeBlocking();
    Atomics.wait(sleepCell, 0, 0, ms);
  }
}

/**
 * A trap for a resource handle the guest passed that names no live resource of the type.
 * jco's glue does not check: for an unknown handle it makes a bare object of the class
 * (`Object.create(Pollable.prototype)`), which only a private-field brand check tells
 * apart. wasmtime traps on such a handle; so does this (a RuntimeError is a trap to the
 * worker: the instance is dropped and the client gets a 500 saying so).
 */
export function badHandle(where: string, what: string, got: unknown): never {
  let handle: unknown;
  if (typeof got === 'object' && got !== null) {
    const sym = Object.getOwnPropertySymbols(got).find((s) => s.description === 'handle');
    handle = sym === undefined ? undefined : (got as Record<symbol, unknown>)[sym];
  }
  const named = typeof handle === 'number' ? ` (handle ${handle})` : '';
  throw new WebAssembly.RuntimeError(`${where}: the guest passed a resource handle${named} that is not a live ${what}`);
}

/** wasi:io/poll.pollable: ready now, or at a monotonic deadline (ns). */
export class Pollable {
  readonly #deadlineNs: bigint;
  constructor(deadlineNs: bigint = 0n) {
    this.#deadlineNs = deadlineNs;
  }
  static readonly ready = (): Pollable => new Pollable(0n);
  /** Whether `p` is a pollable this host made (not jco's stand-in for a bad handle). */
  static isLive(p: unknown): p is Pollable {
    return typeof p === 'object' && p !== null && #deadlineNs in p;
  }
  ready(): boolean {
    if (!Pollable.isLive(this)) badHandle('wasi:io/poll pollable.ready', 'pollable', this);
    return this.#deadlineNs === 0n || process.hrtime.bigint() >= this.#deadlineNs;
  }
  block(): void {
    if (!Pollable.isLive(this)) badHandle('wasi:io/poll pollable.block', 'pollable', this);
    if (this.#deadlineNs === 0n) return;
    const waitNs = this.#deadlineNs - process.hrtime.bigint();
    if (waitNs > 0n) blockFor(Math.ceil(Number(waitNs) / 1e6));
  }
  remainingNs(): bigint {
    if (this.#deadlineNs === 0n) return 0n;
    const left = this.#deadlineNs - process.hrtime.bigint();
    return left > 0n ? left : 0n;
  }
}

/** wasi:io/poll.poll: blocks until at least one is ready; returns the indices of the ready ones. */
export function poll(list: Pollable[]): Uint32Array {
  if (list.length === 0) throw new Error('poll: empty list');
  for (const p of list) if (!Pollable.isLive(p)) badHandle('wasi:io/poll poll', 'pollable', p);
  for (;;) {
    const ready: number[] = [];
    let soonest: bigint | undefined;
    list.forEach((p, i) => {
      const left = p.remainingNs();
      if (left === 0n) ready.push(i);
      else if (soonest === undefined || left < soonest) soonest = left;
    });
    if (ready.length > 0) return Uint32Array.from(ready);
    blockFor(Math.ceil(Number(soonest!) / 1e6));
  }
}

/** wasi:io/poll.poll-one of 0.2.0-rc-2023-10-18: blocks until `p` is ready. */
export function pollOne(p: Pollable): void {
  if (!Pollable.isLive(p)) badHandle('wasi:io/poll poll-one', 'pollable', p);
  p.block();
}

const CLOSED = { tag: 'closed' } as const;

/** What an input stream reads from. */
export interface ByteSource {
  /** Up to `max` bytes; an empty array means none now; `null` means end of stream. */
  read(max: number): Uint8Array | null;
}

/** What an output stream writes to. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  flush?(): void;
  /** Bytes the sink accepts before the guest must wait (check-write). */
  capacity?(): number;
}

export class BufferSource implements ByteSource {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  read(max: number): Uint8Array | null {
    if (this.offset >= this.bytes.length) return null;
    const end = Math.min(this.bytes.length, this.offset + max);
    const out = this.bytes.subarray(this.offset, end);
    this.offset = end;
    return out;
  }
}

export const EMPTY_SOURCE: ByteSource = { read: () => null };

/** wasi:io/streams.input-stream */
export class InputStream {
  constructor(private readonly source: ByteSource) {}
  read(len: bigint): Uint8Array {
    const chunk = this.source.read(Number(len));
    if (chunk === null) throw new WasiResultError(CLOSED);
    return chunk;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return Pollable.ready();
  }
}

const DEFAULT_CAPACITY = 1 << 20;

/** wasi:io/streams.output-stream */
export class OutputStream {
  private closed = false;
  constructor(private readonly sink: ByteSink) {}
  /** Called by owners (e.g. outgoing-body.finish) so later writes fail as WASI says. */
  close(): void {
    this.closed = true;
  }
  private check(): void {
    if (this.closed) throw new WasiResultError(CLOSED);
  }
  checkWrite(): bigint {
    this.check();
    return BigInt(this.sink.capacity?.() ?? DEFAULT_CAPACITY);
  }
  write(contents: Uint8Array): void {
    this.check();
    // Copy: the view may point into guest memory, which the guest reuses after the call.
    if (contents.length > 0) this.sink.write(contents.slice());
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
    this.sink.flush?.();
  }
  flush(): void {
    this.check();
    this.sink.flush?.();
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return Pollable.ready();
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.blockingWriteAndFlush(new Uint8Array(Number(len)));
  }
  splice(src: InputStream, len: bigint): bigint {
    this.check();
    const chunk = src.read(len);
    this.write(chunk);
    return BigInt(chunk.length);
  }
  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
  /** 0.2.0-rc-2023-10-18 only: everything `src` has, to its end. */
  forward(src: InputStream): bigint {
    let total = 0n;
    for (;;) {
      let chunk: Uint8Array;
      try {
        chunk = src.blockingRead(BigInt(DEFAULT_CAPACITY));
      } catch (err) {
        if (err instanceof WasiResultError && (err.payload as { tag?: string } | undefined)?.tag === 'closed') return total;
        throw err;
      }
      this.write(chunk);
      total += BigInt(chunk.length);
    }
  }
}

/**
 * Each table also carries what 0.2.0-rc-2023-10-18 names differently (its stream error
 * resource in streams, `poll-list`, `poll-one`): a 10-18 module adapted with a 0.2
 * preview1 adapter imports both versions, and jco asks for both from one table.
 */
export const ioImports = {
  'wasi:io/error': { Error: IoError },
  'wasi:io/poll': { Pollable, poll, pollList: poll, pollOne },
  'wasi:io/streams': { InputStream, OutputStream, Error: IoError },
};
