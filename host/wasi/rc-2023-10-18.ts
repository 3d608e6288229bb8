/**
 * WASI 0.2.0-rc-2023-10-18 (Spin 2.0's release candidate) over the 0.2 implementation.
 * Its cli, random and wall-clock interfaces are 0.2.0's; filesystem is 0.2.0's plus the
 * permission and lock methods 0.2.0 dropped, which are not provided (a guest calling them
 * fails at the call). What differs, adapted here:
 *
 * - wasi:io: the stream error resource is `wasi:io/streams.error`; poll is `poll-list` and
 *   `poll-one` over a pollable without methods; monotonic-clock has one `subscribe(when, absolute)`.
 *   These names do not clash with 0.2's, so the 0.2 tables carry them (io.ts, clocks.ts): a 10-18
 *   module adapted with a 0.2 preview1 adapter imports both versions from one table;
 * - wasi:http: `fields` is built from its entries; `outgoing-request` and
 *   `outgoing-response` are built from all their parts and write their bodies with `write`;
 *   `request-options` is a record of milliseconds; every failure is one small `error`
 *   variant; `future-trailers.get` gives the trailers without 0.2.0's option and extra result.
 */
import {
  Fields,
  FutureIncomingResponse,
  FutureTrailers,
  type Method,
  OutgoingBody,
  OutgoingRequest,
  OutgoingResponse,
  RequestOptions,
  type Scheme,
} from './http-types.js';
import { type Pollable, WasiResultError } from './io.js';
import { bodyFinishingWith } from './rc-2023-11-10.js';

/** 10-18's wasi:http error variant. */
type Error1018 = { tag: 'invalid-url' | 'timeout-error' | 'protocol-error' | 'unexpected-error'; val: string };

const TIMEOUTS = new Set(['connection-timeout', 'connection-read-timeout', 'connection-write-timeout', 'HTTP-response-timeout']);

/** A 0.2 error-code (what the outbound-http factor answers) as 10-18's error, its text kept. */
function toError1018(code: unknown): Error1018 {
  const c = (code ?? { tag: 'internal-error' }) as { tag: string; val?: unknown };
  const text =
    c.val === undefined
      ? c.tag
      : `${c.tag}: ${typeof c.val === 'string' ? c.val : JSON.stringify(c.val, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`;
  if (c.tag === 'HTTP-request-URI-invalid') return { tag: 'invalid-url', val: text };
  if (TIMEOUTS.has(c.tag)) return { tag: 'timeout-error', val: text };
  if (c.tag.startsWith('HTTP-') && c.tag !== 'HTTP-request-denied') return { tag: 'protocol-error', val: text };
  return { tag: 'unexpected-error', val: text };
}

/** 10-18's `fields` constructor takes the entries; every fields the host makes is one too. */
class Fields1018 extends Fields {
  constructor(entries?: Array<[string, Uint8Array]>) {
    super();
    // No result to fail with in 10-18: a bad entry traps, naming it.
    for (const [name, value] of entries ?? []) {
      try {
        this.append(name, value);
      } catch {
        throw new WebAssembly.RuntimeError(`wasi:http/types fields constructor: invalid header ${JSON.stringify(name)}`);
      }
    }
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return value instanceof Fields;
  }
}

class FutureTrailers1018 extends FutureTrailers {
  override get(): unknown {
    return { tag: 'ok', val: new Fields() };
  }
}

/** 10-18's future-incoming-response: the factor's future, its errors as 10-18's variant. */
class FutureIncomingResponse1018 extends FutureIncomingResponse {
  constructor(private readonly inner: FutureIncomingResponse) {
    super();
  }
  override subscribe(): Pollable {
    return this.inner.subscribe();
  }
  override get(): any {
    const r = this.inner.get() as { tag: 'ok' | 'err'; val?: { tag: 'ok' | 'err'; val: unknown } } | undefined;
    if (r === undefined || r.tag === 'err' || r.val?.tag !== 'err') return r;
    return { tag: 'ok', val: { tag: 'err', val: toError1018(r.val.val) } };
  }
}

type Options1018 = { connectTimeoutMs?: number; firstByteTimeoutMs?: number; betweenBytesTimeoutMs?: number };
const msToNs = (ms: number | undefined) => (ms === undefined ? undefined : BigInt(ms) * 1_000_000n);

function httpTypes(base: Record<string, any>): object {
  const Request: typeof OutgoingRequest = base.OutgoingRequest;
  class OutgoingRequest1018 extends Request {
    constructor(method: Method, pathWithQuery: string | undefined, scheme: Scheme | undefined, authority: string | undefined, headers: Fields) {
      super(headers.clone());
      this.setMethod(method);
      this.setPathWithQuery(pathWithQuery);
      this.setScheme(scheme);
      this.setAuthority(authority);
    }
    write(): OutgoingBody {
      return this.body();
    }
  }
  class OutgoingResponse1018 extends OutgoingResponse {
    constructor(status: number, headers: Fields) {
      super(headers.clone());
      this.setStatusCode(status);
    }
    write(): OutgoingBody {
      return this.body();
    }
  }
  return {
    ...base,
    Fields: Fields1018,
    FutureTrailers: FutureTrailers1018,
    FutureIncomingResponse: FutureIncomingResponse1018,
    IncomingBody: bodyFinishingWith(() => new FutureTrailers1018()),
    OutgoingRequest: OutgoingRequest1018,
    OutgoingResponse: OutgoingResponse1018,
  };
}

function outgoingHandler(base: { handle: (request: OutgoingRequest, options: RequestOptions | undefined) => FutureIncomingResponse }): object {
  return {
    handle(request: OutgoingRequest, options: Options1018 | undefined): FutureIncomingResponse1018 {
      let opts: RequestOptions | undefined;
      if (options) {
        opts = new RequestOptions();
        opts.setConnectTimeout(msToNs(options.connectTimeoutMs));
        opts.setFirstByteTimeout(msToNs(options.firstByteTimeoutMs));
        opts.setBetweenBytesTimeout(msToNs(options.betweenBytesTimeoutMs));
      }
      try {
        return new FutureIncomingResponse1018(base.handle(request, opts));
      } catch (err) {
        if (err instanceof WasiResultError) throw new WasiResultError(toError1018(err.payload));
        throw err;
      }
    },
  };
}

/** The 10-18 form of `name`, built on `base` (the 0.2 import table, factors' members included); undefined where 0.2's serves as is. */
export function adapt20231018(name: string, base: Record<string, any>): object | undefined {
  switch (name) {
    case 'wasi:http/types':
      return httpTypes(base[name]);
    case 'wasi:http/outgoing-handler':
      return outgoingHandler(base[name]);
    default:
      return undefined;
  }
}
