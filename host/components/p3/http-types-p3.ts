/**
 * wasi:http/types@0.3.x — ours, for WASIp3 guests. Bodies are streams: the request body is a
 * host-written `stream<u8>` the guest reads (pulled from the socket as it reads), the
 * response body a guest-written one the host drains; trailers are futures. jco 1.35's glue
 * asks for one class per name across all versions a component imports (it drops the
 * version), so in a p3 component these classes stand for every version of wasi:http/types.
 */
import { Fields, type Method, type Scheme } from '../../wasi/http-types.js';
import { WasiResultError, type ByteSource } from '../../wasi/io.js';

/** A guest-written stream as jco 1.35 lifts it (its `Stream`): reads resolve to iterator results. */
export interface LiftedStream {
  read(opts: { count: number }): Promise<{ value?: unknown; done: boolean }>;
  [Symbol.dispose]?(): void;
}

/** `ok` of a result<_, error-code> a future carries. */
const OK = { tag: 'ok', val: undefined } as const;
/** `ok(none)`: no trailers. */
const NO_TRAILERS = { tag: 'ok', val: undefined } as const;

const BODY_CHUNK_BYTES = 64 * 1024;

/** wasi:http/types@0.3 fields: 0.2's, plus copy-all and get-and-delete. */
export class FieldsP3 extends Fields {
  static override fromList(entries: Array<[string, Uint8Array]>): FieldsP3 {
    const f = new FieldsP3();
    try {
      for (const [name, value] of entries) f.append(name, value);
    } catch {
      throw new WasiResultError({ tag: 'invalid-syntax' });
    }
    return f;
  }

  static fromStrings(pairs: Iterable<[string, string]>, immutable: boolean): FieldsP3 {
    const f = new FieldsP3();
    const encoder = new TextEncoder();
    for (const [name, value] of pairs) f.append(name, encoder.encode(value));
    f.immutable = immutable;
    return f;
  }

  copyAll(): Array<[string, Uint8Array]> {
    return this.entries();
  }

  getAndDelete(name: string): Uint8Array[] {
    const values = this.get(name);
    this.delete(name);
    return values;
  }

  override clone(): FieldsP3 {
    return FieldsP3.fromList(this.entries());
  }
}

export class RequestOptionsP3 {
  private timeouts: Record<'connect' | 'firstByte' | 'betweenBytes', bigint | undefined> = {
    connect: undefined,
    firstByte: undefined,
    betweenBytes: undefined,
  };
  getConnectTimeout(): bigint | undefined {
    return this.timeouts.connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.timeouts.connect = d;
  }
  getFirstByteTimeout(): bigint | undefined {
    return this.timeouts.firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.timeouts.firstByte = d;
  }
  getBetweenBytesTimeout(): bigint | undefined {
    return this.timeouts.betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.timeouts.betweenBytes = d;
  }
  clone(): RequestOptionsP3 {
    const o = new RequestOptionsP3();
    o.timeouts = { ...this.timeouts };
    return o;
  }
}

/** The request body as jco lowers a host stream: an async iterator of byte chunks, each pulled when the guest reads. */
function bodyStream(source: ByteSource): AsyncIterableIterator<Uint8Array> {
  let ended = false;
  const iterator: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]: () => iterator,
    next: async () => {
      if (ended) return { value: undefined, done: true };
      // The source is synchronous (the bridge waits for the socket); copy: it reuses its window.
      const piece = source.read(BODY_CHUNK_BYTES);
      if (piece === null) {
        ended = true;
        return { value: undefined, done: true };
      }
      return { value: piece.slice(), done: false };
    },
    return: async () => {
      ended = true;
      return { value: undefined, done: true };
    },
  };
  return iterator;
}

type Contents = LiftedStream | AsyncIterableIterator<Uint8Array> | undefined;

export class RequestP3 {
  private method: Method = { tag: 'get' };
  private pathWithQuery: string | undefined;
  private scheme: Scheme | undefined;
  private authority: string | undefined;
  private consumed = false;

  private constructor(
    private readonly headers: FieldsP3,
    private readonly contents: Contents,
    private readonly trailers: PromiseLike<unknown>,
    private readonly options: RequestOptionsP3 | undefined,
  ) {}

  /** The request a client sent, as the handler receives it. */
  static incoming(init: { method: Method; pathWithQuery: string; scheme: Scheme; authority: string; headers: FieldsP3; body: ByteSource }): RequestP3 {
    const r = new RequestP3(init.headers, bodyStream(init.body), Promise.resolve(NO_TRAILERS), undefined);
    r.method = init.method;
    r.pathWithQuery = init.pathWithQuery;
    r.scheme = init.scheme;
    r.authority = init.authority;
    return r;
  }

  static new(headers: FieldsP3, contents: Contents, trailers: PromiseLike<unknown>, options: RequestOptionsP3 | undefined): [RequestP3, Promise<unknown>] {
    headers.immutable = true;
    return [new RequestP3(headers, contents, trailers, options), Promise.resolve(OK)];
  }

  getMethod(): Method {
    return this.method;
  }
  setMethod(method: Method): void {
    this.method = method;
  }
  getPathWithQuery(): string | undefined {
    return this.pathWithQuery;
  }
  setPathWithQuery(p: string | undefined): void {
    this.pathWithQuery = p;
  }
  getScheme(): Scheme | undefined {
    return this.scheme;
  }
  setScheme(s: Scheme | undefined): void {
    this.scheme = s;
  }
  getAuthority(): string | undefined {
    return this.authority;
  }
  setAuthority(a: string | undefined): void {
    this.authority = a;
  }
  getOptions(): RequestOptionsP3 | undefined {
    return this.options;
  }
  getHeaders(): FieldsP3 {
    return this.headers;
  }

  static consumeBody(request: RequestP3, _done: unknown): [Contents, PromiseLike<unknown>] {
    if (request.consumed) throw new WasiResultError({ tag: 'internal-error', val: 'the body was already consumed' });
    request.consumed = true;
    return [request.contents ?? bodyStream({ read: () => null }), request.trailers];
  }
}

export class ResponseP3 {
  private status = 200;

  private constructor(
    private readonly headers: FieldsP3,
    /** The guest-written body, undefined for none. */
    readonly contents: LiftedStream | undefined,
    /** What the guest will say after the body: trailers, or an error. */
    readonly trailers: PromiseLike<unknown>,
    /** Resolved by the host once it has sent the response (the guest's `transmitted` future). */
    readonly transmitted: { resolve(value: unknown): void },
  ) {}

  static new(headers: FieldsP3, contents: LiftedStream | undefined, trailers: PromiseLike<unknown>): [ResponseP3, Promise<unknown>] {
    headers.immutable = true;
    let resolve!: (value: unknown) => void;
    const sent = new Promise<unknown>((r) => (resolve = r));
    return [new ResponseP3(headers, contents, trailers, { resolve }), sent];
  }

  getStatusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new WasiResultError(undefined);
    this.status = code;
  }
  getHeaders(): FieldsP3 {
    return this.headers;
  }

  static consumeBody(response: ResponseP3, _done: unknown): [LiftedStream | undefined, PromiseLike<unknown>] {
    return [response.contents, response.trailers];
  }
}

/** The members of wasi:http/types@0.3 this file implements, by the names jco's glue asks for. */
export const httpTypesP3 = {
  Fields: FieldsP3,
  Request: RequestP3,
  RequestOptions: RequestOptionsP3,
  Response: ResponseP3,
};
