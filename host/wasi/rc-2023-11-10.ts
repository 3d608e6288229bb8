/**
 * WASI 0.2.0-rc-2023-11-10 (Spin 2.1's release candidate) over the 0.2 implementation. Its
 * io, clocks, cli, random and filesystem interfaces are 0.2.0's less functions 0.2.0 added,
 * and so is wasi:http but for two shapes, adapted here:
 *
 * - `future-trailers.get` returns `option<result<option<trailers>, error-code>>` (0.2.0 wraps
 *   one more result around it);
 * - `request-options` names its timeouts `connect-timeout-ms` and so on (still durations in
 *   nanoseconds).
 */
import { FutureTrailers, IncomingBody, RequestOptions } from './http-types.js';

/** What `get` answers: the trailers are ready (there are never any), with 11-10's nesting. */
class FutureTrailers1110 extends FutureTrailers {
  override get(): unknown {
    return { tag: 'ok', val: undefined };
  }
}

class RequestOptions1110 extends RequestOptions {
  connectTimeoutMs(): bigint | undefined {
    return this.connectTimeout();
  }
  setConnectTimeoutMs(d: bigint | undefined): void {
    this.setConnectTimeout(d);
  }
  firstByteTimeoutMs(): bigint | undefined {
    return this.firstByteTimeout();
  }
  setFirstByteTimeoutMs(d: bigint | undefined): void {
    this.setFirstByteTimeout(d);
  }
  betweenBytesTimeoutMs(): bigint | undefined {
    return this.betweenBytesTimeout();
  }
  setBetweenBytesTimeoutMs(d: bigint | undefined): void {
    this.setBetweenBytesTimeout(d);
  }
}

/**
 * A body class whose static `finish` gives the release candidate's future-trailers. Bodies
 * are made by the host (a request's `consume`, an outbound response's), always as 0.2's
 * class: jco's `instanceof` check against this class must accept every one of them.
 */
export function bodyFinishingWith(trailers: () => FutureTrailers): typeof IncomingBody {
  return class extends IncomingBody {
    static override finish(_body: IncomingBody): FutureTrailers {
      return trailers();
    }
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof IncomingBody;
    }
  };
}

/** The 11-10 form of `name`, built on `base` (the 0.2 import table, factors' members included); undefined where 0.2's serves as is. */
export function adapt20231110(name: string, base: Record<string, object>): object | undefined {
  if (name !== 'wasi:http/types') return undefined;
  return {
    ...base[name],
    FutureTrailers: FutureTrailers1110,
    IncomingBody: bodyFinishingWith(() => new FutureTrailers1110()),
    RequestOptions: RequestOptions1110,
  };
}
