/**
 * Main-thread side of a streamed request body: the guest's reads (pulled-body.ts, through
 * the bridge) take bytes from the socket only as fast as the guest asks, so an upload costs
 * the host a socket buffer, not its size. Bytes beyond the cap fail the read and resolve
 * `tooLarge`, so the trigger answers 413 whatever the guest does with the error.
 */
import type { Readable } from 'node:stream';

export class RequestBody {
  private received = 0;
  private leftover: Buffer | undefined;
  private failure: Error | undefined;
  private markTooLarge!: () => void;
  /** true once the client sent more than the cap. */
  exceeded = false;
  /** Resolves once the client sent more than the cap. */
  readonly tooLarge = new Promise<void>((resolve) => (this.markTooLarge = resolve));

  constructor(
    private readonly incoming: Readable,
    private readonly maxBytes: number,
  ) {}

  /**
   * Reads what arrives of the body up to `limit` bytes, before the guest runs: a small body
   * then travels with the request, and the guest's time limit never waits on the client for it.
   */
  async prefix(limit: number, signal: AbortSignal): Promise<{ bytes: Uint8Array; complete: boolean }> {
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < limit) {
      const chunk = await this.read(limit - size, signal);
      if (chunk === null) return { bytes: Buffer.concat(chunks, size), complete: true };
      chunks.push(chunk);
      size += chunk.length;
    }
    return { bytes: Buffer.concat(chunks, size), complete: false };
  }

  /** Copies the next bytes (at most `max`, and what the window holds) into `window` as they arrive; their count, or null at the end of the body. */
  async readInto(window: SharedArrayBuffer, max: number, signal: AbortSignal): Promise<number | null> {
    const chunk = await this.read(Math.min(max, window.byteLength), signal);
    if (chunk === null) return null;
    new Uint8Array(window).set(chunk);
    return chunk.length;
  }

  /** Up to `max` bytes as they arrive; null at the end of the body. */
  async read(max: number, signal: AbortSignal): Promise<Uint8Array | null> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk: Buffer | null = this.leftover ?? (this.incoming.read() as Buffer | null);
      this.leftover = undefined;
      if (chunk !== null) return this.take(chunk, max);
      if (this.incoming.readableEnded) return null;
      await this.nextEvent(signal);
    }
  }

  private take(chunk: Buffer, max: number): Uint8Array {
    if (chunk.length > max) {
      this.leftover = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    }
    this.received += chunk.length;
    if (this.received > this.maxBytes) {
      this.failure = new Error(`the request body is larger than the host's limit of ${this.maxBytes} bytes (--max-request-body-size)`);
      this.exceeded = true;
      this.markTooLarge();
      throw this.failure;
    }
    return chunk;
  }

  /** Waits until there is something to read, the body ended, or the request is gone. */
  private nextEvent(signal: AbortSignal): Promise<void> {
    const incoming = this.incoming;
    return new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        incoming.off('readable', onReady);
        incoming.off('end', onReady);
        incoming.off('error', onError);
        incoming.off('close', onClose);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onError = (err: Error) => done(new Error(`reading the request body failed: ${err.message}`));
      const onClose = () => done(incoming.readableEnded ? undefined : new Error('the client went away before sending the whole body'));
      const onAbort = () => done(new Error('the request was cancelled'));
      if (signal.aborted) return onAbort();
      incoming.on('readable', onReady);
      incoming.on('end', onReady);
      incoming.on('error', onError);
      incoming.on('close', onClose);
      signal.addEventListener('abort', onAbort);
    });
  }
}
