/**
 * wasi:http/types — ours. preview2-shim's HTTP resources can only be created by its own
 * socket server, and jco checks resources with `instanceof`, so the whole set (fields,
 * requests, responses, bodies, outparam) lives here on top of our io streams.
 */
import { EMPTY_SOURCE, InputStream, OutputStream, Pollable, WasiResultError, type ByteSink, type ByteSource } from './io.js';

type HeaderError = { tag: 'invalid-syntax' | 'forbidden' | 'immutable' };
const headerError = (tag: HeaderError['tag']) => new WasiResultError({ tag });

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function validValue(value: Uint8Array): boolean {
  for (const b of value) if (b === 0 || b === 10 || b === 13) return false;
  return true;
}

/** wasi:http/types.fields (headers and trailers). Names are kept lower-case, as HTTP/2 and Spin do. */
export class Fields {
  private entriesList: Array<[string, Uint8Array]> = [];
  immutable = false;

  static fromList(entries: Array<[string, Uint8Array]>): Fields {
    const f = new Fields();
    for (const [name, value] of entries) {
      if (!TOKEN.test(name) || !validValue(value)) throw headerError('invalid-syntax');
      f.entriesList.push([name.toLowerCase(), value.slice()]);
    }
    return f;
  }

  /** Host-side constructor from string pairs (request headers). */
  static fromPairs(pairs: Iterable<[string, string]>, immutable: boolean): Fields {
    const f = new Fields();
    for (const [name, value] of pairs) f.entriesList.push([name.toLowerCase(), encoder.encode(value)]);
    f.immutable = immutable;
    return f;
  }

  private guard(name: string): string {
    if (this.immutable) throw headerError('immutable');
    if (!TOKEN.test(name)) throw headerError('invalid-syntax');
    return name.toLowerCase();
  }

  get(name: string): Uint8Array[] {
    const key = name.toLowerCase();
    return this.entriesList.filter(([n]) => n === key).map(([, v]) => v);
  }
  has(name: string): boolean {
    const key = name.toLowerCase();
    return this.entriesList.some(([n]) => n === key);
  }
  set(name: string, values: Uint8Array[]): void {
    const key = this.guard(name);
    if (!values.every(validValue)) throw headerError('invalid-syntax');
    this.entriesList = this.entriesList.filter(([n]) => n !== key);
    for (const v of values) this.entriesList.push([key, v.slice()]);
  }
  delete(name: string): void {
    const key = this.guard(name);
    this.entriesList = this.entriesList.filter(([n]) => n !== key);
  }
  append(name: string, value: Uint8Array): void {
    const key = this.guard(name);
    if (!validValue(value)) throw headerError('invalid-syntax');
    this.entriesList.push([key, value.slice()]);
  }
  entries(): Array<[string, Uint8Array]> {
    return this.entriesList.map(([n, v]) => [n, v]);
  }
  clone(): Fields {
    const f = new Fields();
    f.entriesList = this.entriesList.map(([n, v]) => [n, v]);
    return f;
  }
  /** Host side: as string pairs for an HTTP response. */
  toPairs(): Array<[string, string]> {
    return this.entriesList.map(([n, v]) => [n, decoder.decode(v)]);
  }
}

export type Method = { tag: string; val?: string };
export type Scheme = { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string };

const STANDARD_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);

export function methodFromString(method: string): Method {
  const lower = method.toLowerCase();
  return STANDARD_METHODS.has(lower) ? { tag: lower } : { tag: 'other', val: method };
}

export class FutureTrailers {
  subscribe(): Pollable {
    return Pollable.ready();
  }
  get(): unknown {
    return { tag: 'ok', val: { tag: 'ok', val: undefined } };
  }
}

/** wasi:http/types.incoming-body over a source the host supplies (the request body, streamed as it arrives). */
export class IncomingBody {
  private streamTaken = false;
  constructor(private readonly source: ByteSource) {}
  stream(): InputStream {
    if (this.streamTaken) throw new WasiResultError(undefined);
    this.streamTaken = true;
    return new InputStream(this.source);
  }
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class IncomingRequest {
  private consumed = false;
  constructor(
    private readonly init: {
      method: Method;
      pathWithQuery: string;
      scheme: Scheme;
      authority: string;
      headers: Fields;
      /** No body: an empty stream. */
      body: ByteSource | undefined;
    },
  ) {}
  method(): Method {
    return this.init.method;
  }
  pathWithQuery(): string {
    return this.init.pathWithQuery;
  }
  scheme(): Scheme {
    return this.init.scheme;
  }
  authority(): string {
    return this.init.authority;
  }
  headers(): Fields {
    return this.init.headers;
  }
  consume(): IncomingBody {
    if (this.consumed) throw new WasiResultError(undefined);
    this.consumed = true;
    return new IncomingBody(this.init.body ?? EMPTY_SOURCE);
  }
}

/** Buffers body bytes until the response is handed to the host, then forwards them. */
class BodyPipe implements ByteSink {
  private buffered: Uint8Array[] = [];
  private target: ByteSink | undefined;
  attach(target: ByteSink): void {
    this.target = target;
    for (const chunk of this.buffered) target.write(chunk);
    this.buffered = [];
  }
  write(bytes: Uint8Array): void {
    if (this.target) this.target.write(bytes);
    else this.buffered.push(bytes);
  }
}

export class OutgoingBody {
  private stream: OutputStream | undefined;
  finished = false;
  constructor(
    readonly pipe: ByteSink,
    private readonly onFinish: () => void,
  ) {}
  write(): OutputStream {
    if (this.stream) throw new WasiResultError(undefined);
    this.stream = new OutputStream(this.pipe);
    return this.stream;
  }
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.stream?.close();
    body.finished = true;
    body.onFinish();
  }
}

export class OutgoingResponse {
  private status = 200;
  private bodyTaken = false;
  readonly pipe = new BodyPipe();
  finished = false;
  onFinish: () => void = () => {};
  constructor(private readonly fields: Fields) {}
  statusCode(): number {
    return this.status;
  }
  setStatusCode(code: number): void {
    if (code < 100 || code > 999) throw new WasiResultError(undefined);
    this.status = code;
  }
  headers(): Fields {
    const view = this.fields.clone();
    view.immutable = true;
    return view;
  }
  /** Host side. */
  headerPairs(): Array<[string, string]> {
    return this.fields.toPairs();
  }
  body(): OutgoingBody {
    if (this.bodyTaken) throw new WasiResultError(undefined);
    this.bodyTaken = true;
    return new OutgoingBody(this.pipe, () => {
      this.finished = true;
      this.onFinish();
    });
  }
}

/** What the host gets once a guest hands over its response. */
export interface ResponseReceiver {
  head(status: number, headers: Array<[string, string]>): ByteSink;
  end(): void;
  error(message: string): void;
}

export class ResponseOutparam {
  private used = false;
  constructor(private readonly receiver: ResponseReceiver) {}
  static set(param: ResponseOutparam, response: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: unknown }): void {
    if (param.used) throw new Error('response-outparam set twice');
    param.used = true;
    if (response.tag === 'err') {
      param.receiver.error(`guest returned error-code ${JSON.stringify(response.val, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
      return;
    }
    const res = response.val;
    const sink = param.receiver.head(res.statusCode(), res.headerPairs());
    res.pipe.attach(sink);
    if (res.finished) param.receiver.end();
    else res.onFinish = () => param.receiver.end();
  }
  get wasSet(): boolean {
    return this.used;
  }
}

export class RequestOptions {
  private timeouts: Record<string, bigint | undefined> = {};
  connectTimeout(): bigint | undefined {
    return this.timeouts.connect;
  }
  setConnectTimeout(d: bigint | undefined): void {
    this.timeouts.connect = d;
  }
  firstByteTimeout(): bigint | undefined {
    return this.timeouts.firstByte;
  }
  setFirstByteTimeout(d: bigint | undefined): void {
    this.timeouts.firstByte = d;
  }
  betweenBytesTimeout(): bigint | undefined {
    return this.timeouts.betweenBytes;
  }
  setBetweenBytesTimeout(d: bigint | undefined): void {
    this.timeouts.betweenBytes = d;
  }
}

/** Outgoing requests can be built (guests build them before calling the handler) but never sent yet. */
export class OutgoingRequest {
  private methodValue: Method = { tag: 'get' };
  private path: string | undefined;
  private schemeValue: Scheme | undefined;
  private authorityValue: string | undefined;
  private bodyTaken = false;
  constructor(private readonly fields: Fields) {}
  body(): OutgoingBody {
    if (this.bodyTaken) throw new WasiResultError(undefined);
    this.bodyTaken = true;
    return new OutgoingBody({ write: () => {} }, () => {});
  }
  method(): Method {
    return this.methodValue;
  }
  setMethod(m: Method): void {
    this.methodValue = m;
  }
  pathWithQuery(): string | undefined {
    return this.path;
  }
  setPathWithQuery(p: string | undefined): void {
    this.path = p;
  }
  scheme(): Scheme | undefined {
    return this.schemeValue;
  }
  setScheme(s: Scheme | undefined): void {
    this.schemeValue = s;
  }
  authority(): string | undefined {
    return this.authorityValue;
  }
  setAuthority(a: string | undefined): void {
    this.authorityValue = a;
  }
  headers(): Fields {
    const view = this.fields.clone();
    view.immutable = true;
    return view;
  }
}

export class IncomingResponse {
  status(): number {
    return 0;
  }
  headers(): Fields {
    return new Fields();
  }
  consume(): IncomingBody {
    return new IncomingBody(EMPTY_SOURCE);
  }
}

export class FutureIncomingResponse {
  subscribe(): Pollable {
    return Pollable.ready();
  }
  get(): undefined {
    return undefined;
  }
}

export const httpTypesImports = {
  'wasi:http/types': {
    Fields,
    FutureIncomingResponse,
    FutureTrailers,
    IncomingBody,
    IncomingRequest,
    IncomingResponse,
    OutgoingBody,
    OutgoingRequest,
    OutgoingResponse,
    RequestOptions,
    ResponseOutparam,
    httpErrorCode: (): undefined => undefined,
  },
  // Outbound HTTP is not offered yet: every request is denied, as Spin denies a host
  // that is not in allowed_outbound_hosts.
  'wasi:http/outgoing-handler': {
    handle: (): never => {
      throw new WasiResultError({ tag: 'HTTP-request-denied' });
    },
  },
};
