/**
 * Collects what a guest writes as its response and sends it to the main thread in as few
 * messages as possible: nothing is posted while the guest computes; everything written so
 * far goes out when the guest returns or is about to block (a host call, a sleep), so a
 * streaming guest's client still sees each piece as soon as the guest waits.
 * A simple response costs one message instead of head + chunks + end.
 */
import { RESPONSE_WINDOW_BYTES, type FromWorker } from './protocol.js';

/** How long one wait for an acknowledgement lasts before looking again (a cancelled request's worker is terminated meanwhile). */
const ACK_WAIT_MS = 1000;

export class ResponseWriter {
  private head: { status: number; headers: Array<[string, string]> } | undefined;
  private headSent = false;
  private chunks: Uint8Array[] = [];
  private size = 0;
  private done = false;
  /** Body bytes posted so far. */
  private sent = 0;

  constructor(
    private readonly requestId: number,
    private readonly post: (msg: FromWorker, transfer?: ArrayBuffer[]) => void,
    /** Bytes of this response the main thread has taken (see RESPONSE_WINDOW_BYTES); none: no backpressure. */
    private readonly acks?: BigInt64Array,
  ) {}

  /** Blocks while more than the window is posted and not yet taken by the client's side. */
  private awaitWindow(): void {
    if (!this.acks) return;
    for (;;) {
      const acked = Atomics.load(this.acks, 0);
      if (this.sent - Number(acked) <= RESPONSE_WINDOW_BYTES) return;
      Atomics.wait(this.acks, 0, acked, ACK_WAIT_MS);
    }
  }

  setHead(status: number, headers: Array<[string, string]>): void {
    this.head = { status, headers };
  }

  write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.size += bytes.length;
    // Bound what a guest can pile up between flushes.
    if (this.size >= 1 << 20) this.flush();
  }

  get hasHead(): boolean {
    return this.head !== undefined;
  }

  private takeBody(): Uint8Array | null {
    if (this.chunks.length === 0) return null;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    // Own the bytes so the buffer can be transferred rather than copied.
    return body.byteOffset === 0 && body.byteLength === body.buffer.byteLength ? body : body.slice();
  }

  /** Sends what is pending; `end` marks the response complete. */
  flush(end = false): void {
    if (this.done || !this.head) return;
    const body = this.takeBody();
    // Read before posting: the transfer detaches the buffer.
    const bodyBytes = body?.length ?? 0;
    const transfer = body ? [body.buffer as ArrayBuffer] : undefined;
    if (!this.headSent) {
      this.headSent = true;
      this.post({ type: 'head', requestId: this.requestId, status: this.head.status, headers: this.head.headers, body, done: end }, transfer);
    } else if (body) {
      this.post({ type: 'chunk', requestId: this.requestId, bytes: body, done: end }, transfer);
    } else if (end) {
      this.post({ type: 'end', requestId: this.requestId });
    }
    if (end) this.done = true;
    if (bodyBytes > 0 && !end) {
      this.sent += bodyBytes;
      this.awaitWindow();
    }
  }

  get finished(): boolean {
    return this.done;
  }
}
