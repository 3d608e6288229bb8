/**
 * Worker side of a streamed request body: each read the guest makes pulls the next piece
 * from the main thread through the bridge, so the socket is read no faster than the guest
 * consumes (request-body.ts is the other end).
 */
import { BridgeError } from '../../components/bridge.js';
import { IoError, WasiResultError, type ByteSource } from '../../wasi/io.js';
import { READ_BODY } from './request.js';

export class PulledBody implements ByteSource {
  private ended = false;
  private failure: WasiResultError | undefined;

  constructor(private readonly call: (method: string, ...args: unknown[]) => unknown) {}

  read(max: number): Uint8Array | null {
    if (this.failure) throw this.failure;
    if (this.ended) return null;
    try {
      const chunk = this.call(READ_BODY, max) as Uint8Array | null;
      if (chunk === null) this.ended = true;
      return chunk;
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
    for (let chunk = this.read(1 << 20); chunk !== null; chunk = this.read(1 << 20)) {
      chunks.push(chunk);
      total += chunk.length;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  }
}
