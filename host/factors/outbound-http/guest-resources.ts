/**
 * The wasi:http resources an outbound request lives in, on the guest side (worker). They
 * extend the shared classes of host/wasi/http-types.ts, so jco's `instanceof` checks
 * accept them, and reach the transport through the factor's service: request body
 * chunks go out as the guest writes them, response bytes come in as the guest reads them.
 */
import { Fields, FutureIncomingResponse, IncomingBody, IncomingResponse, OutgoingBody, OutgoingRequest } from '../../wasi/http-types.js';
import { EMPTY_SOURCE, InputStream, IoError, Pollable, WasiResultError, type ByteSink } from '../../wasi/io.js';
import type { ErrorCode, OutboundHttpService, ResponseHead, Waited } from './api.js';

/** How long one bridge wait lasts while a guest blocks (it loops; the request timeout still applies). */
const BLOCK_SLICE_MS = 30_000;
/** How long a poll() over several pollables waits on one network pollable before looking at the others. */
const POLL_SLICE_MS = 2;
/** Request body bytes gathered in the worker before one bridge call carries them. */
const WRITE_BATCH_BYTES = 64 * 1024;
/** Response body bytes asked for per bridge call (guests' small reads are served from them). */
const READ_BATCH_BYTES = 256 * 1024;

const streamFailed = (message: string) => new WasiResultError({ tag: 'last-operation-failed', val: new IoError(message) });

/** A pollable over something the main thread decides: `check(waitMs)` says whether it is ready now. */
export class NetPollable extends Pollable {
  constructor(private readonly check: (waitMs: number) => boolean) {
    super();
  }
  override ready(): boolean {
    return this.check(0);
  }
  override block(): void {
    while (!this.check(BLOCK_SLICE_MS));
  }
  override remainingNs(): bigint {
    return this.check(POLL_SLICE_MS) ? 0n : 1n;
  }
}

/** The link between an outgoing request in the worker and its exchange on the main thread. */
export class Exchange {
  handle: number | undefined;
  constructor(readonly service: OutboundHttpService) {}
}

/** Request body bytes: held until the request is handed over, then streamed in batches. */
export class RequestBodySink implements ByteSink {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  written = 0;
  finished = false;
  constructor(
    private readonly exchange: Exchange,
    readonly declaredLength: number | undefined,
  ) {}

  write(bytes: Uint8Array): void {
    if (this.declaredLength !== undefined && this.written + bytes.length > this.declaredLength) {
      throw streamFailed(`the request body is longer than its content-length (${this.declaredLength})`);
    }
    this.written += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.exchange.handle !== undefined && this.pendingBytes >= WRITE_BATCH_BYTES) this.flush();
  }
  flush(): void {
    if (this.exchange.handle === undefined || this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.exchange.service.writeBody(this.exchange.handle, chunk);
  }
  /** What was written before the request was handed over (taken once). */
  takeEarly(): Uint8Array[] {
    const out = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return out;
  }
  finish(): void {
    if (this.declaredLength !== undefined && this.written !== this.declaredLength) {
      throw new WasiResultError({ tag: 'HTTP-request-body-size', val: BigInt(this.written) });
    }
    this.finished = true;
    if (this.exchange.handle !== undefined) {
      this.flush();
      this.exchange.service.finishBody(this.exchange.handle);
    }
  }
}

function concat(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** wasi:http/types.outgoing-request whose body is kept for sending. */
export class OutboundRequest extends OutgoingRequest {
  readonly exchange: Exchange;
  sink: RequestBodySink | undefined;
  constructor(fields: Fields, service: OutboundHttpService) {
    super(fields);
    this.exchange = new Exchange(service);
  }
  override body(): OutgoingBody {
    const length = this.headers().get('content-length')[0];
    const declared = length ? Number(new TextDecoder().decode(length)) : undefined;
    super.body(); // marks the body taken (a second call fails as WASI says)
    const sink = new RequestBodySink(this.exchange, declared !== undefined && Number.isFinite(declared) ? declared : undefined);
    this.sink = sink;
    return new OutgoingBody(sink, () => sink.finish());
  }
}

/** Response bytes, read through the bridge in batches. */
export class ResponseBodyStream extends InputStream {
  private buffer: Uint8Array | undefined;
  private ended = false;
  constructor(private readonly exchange: Exchange) {
    super(EMPTY_SOURCE);
  }
  /** Fills the buffer if it is empty; true when there is something to return (bytes or the end). */
  private fill(waitMs: number): boolean {
    if ((this.buffer && this.buffer.length > 0) || this.ended) return true;
    const r: Waited<Uint8Array | null> = this.exchange.service.read(this.exchange.handle!, READ_BATCH_BYTES, waitMs);
    if (r.state === 'error') throw streamFailed(describeErrorCode(r.code));
    if (r.state === 'pending') return false;
    if (r.value === null) this.ended = true;
    else this.buffer = r.value;
    return true;
  }
  private take(len: bigint): Uint8Array {
    if (this.buffer && this.buffer.length > 0) {
      const n = Math.min(Number(len), this.buffer.length);
      const out = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
      return out;
    }
    if (this.ended) throw new WasiResultError({ tag: 'closed' });
    return new Uint8Array(0);
  }
  override read(len: bigint): Uint8Array {
    this.fill(0);
    return this.take(len);
  }
  override blockingRead(len: bigint): Uint8Array {
    while (!this.fill(BLOCK_SLICE_MS));
    return this.take(len);
  }
  override skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  override blockingSkip(len: bigint): bigint {
    return BigInt(this.blockingRead(len).length);
  }
  override subscribe(): Pollable {
    return new NetPollable((ms) => this.fill(ms));
  }
}

export class OutboundIncomingBody extends IncomingBody {
  private taken = false;
  constructor(private readonly exchange: Exchange) {
    super(EMPTY_SOURCE);
  }
  override stream(): InputStream {
    if (this.taken) throw new WasiResultError(undefined);
    this.taken = true;
    return new ResponseBodyStream(this.exchange);
  }
}

export class OutboundIncomingResponse extends IncomingResponse {
  private consumed = false;
  constructor(
    private readonly exchange: Exchange,
    private readonly head: ResponseHead,
  ) {
    super();
  }
  override status(): number {
    return this.head.status;
  }
  override headers(): Fields {
    return Fields.fromPairs(this.head.headers, true);
  }
  override consume(): IncomingBody {
    if (this.consumed) throw new WasiResultError(undefined);
    this.consumed = true;
    return new OutboundIncomingBody(this.exchange);
  }
}

type FutureValue = { tag: 'ok'; val: { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: ErrorCode } } | { tag: 'err'; val: undefined };

/** wasi:http/types.future-incoming-response over an exchange, or over an error known at once. */
export class OutboundFutureResponse extends FutureIncomingResponse {
  private result: FutureValue['val'] | undefined;
  private taken = false;
  constructor(
    private readonly exchange: Exchange | undefined,
    error?: ErrorCode,
  ) {
    super();
    if (error) this.result = { tag: 'err', val: error };
  }
  private check(waitMs: number): boolean {
    if (this.result) return true;
    const r = this.exchange!.service.response(this.exchange!.handle!, waitMs);
    if (r.state === 'pending') return false;
    this.result = r.state === 'ready' ? { tag: 'ok', val: new OutboundIncomingResponse(this.exchange!, r.value) } : { tag: 'err', val: r.code };
    return true;
  }
  override subscribe(): Pollable {
    return new NetPollable((ms) => this.check(ms));
  }
  override get(): any {
    if (this.taken) return { tag: 'err', val: undefined };
    if (!this.check(0)) return undefined;
    this.taken = true;
    return { tag: 'ok', val: this.result };
  }
}

export function describeErrorCode(code: ErrorCode): string {
  return code.val === undefined ? code.tag : `${code.tag}: ${typeof code.val === 'string' ? code.val : JSON.stringify(code.val)}`;
}
