/**
 * Worker side of a streamed request body: each read the guest makes pulls the next piece
 * from the main thread through the bridge, so the socket is read no faster than the guest
 * consumes (request-body.ts is the other end).
 */
import { BridgeError } from '../../components/bridge.js';
import { IoError, WasiResultError, type ByteSource } from '../../wasi/io.js';
import { READ_BODY } from './request.js';

const WINDOW_BYTES = 64 * 1024;

export class PulledBody implements ByteSource {
  private ended = false;
  private failure: WasiResultError | undefined;
  /**
   * The main thread copies each piece into this buffer (shared, not cloned, across the
   * bridge) and answers its length: no per-piece allocation here, so a long upload leaves
   * no garbage that would swell the worker until its next GC.
   */
  private readonly window = new SharedArrayBuffer(WINDOW_BYTES);

  private prefixAt = 0;

  /** `prefix`: the bytes that came with the request; `complete`: nothing more to pull. */
  constructor(
    private readonly call: (method: string, ...args: unknown[]) => unknown,
    private readonly prefix: Uint8Array = new Uint8Array(0),
    private readonly complete = false,
  ) {}

  /** A view of the shared window, valid until the next read: callers copy it (jco copies it into guest memory at once). */
  read(max: number): Uint8Array | null {
    if (this.failure) throw this.failure;
    if (this.ended) return null;
    if (this.prefixAt < this.prefix.length) {
      const end = Math.min(this.prefix.length, this.prefixAt + max);
      const piece = this.prefix.subarray(this.prefixAt, end);
      this.prefixAt = end;
      return piece;
    }
    if (this.complete) {
      this.ended = true;
      return null;
    }
    try {
      const n = this.call(READ_BODY, this.window, Math.min(max, WINDOW_BYTES)) as number | null;
      if (n === null) {
        this.ended = true;
        return null;
      }
      return new Uint8Array(this.window, 0, n);
    } catch (err) {
      if (!(err instanceof BridgeError)) throw err;
      // The stream fails as WASI says (last-operation-failed); a guest that reads on sees the same error.
      this.failure = new WasiResultError({ tag: 'last-operation-failed', val: new IoError(err.message) });
      throw this.failure;
    }
  }

  /** Every remaining byte, for interfaces that take the body whole (inbound-http's list<u8>). */
  readAll(): Uint8Array {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (let chunk = this.read(WINDOW_BYTES); chunk !== null; chunk = this.read(WINDOW_BYTES)) {
      chunks.push(chunk.slice());
      total += chunk.length;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  }
}
