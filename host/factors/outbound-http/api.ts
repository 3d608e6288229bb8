/** The outbound-http factor's service, as its guest side calls it and its main-thread side implements it. */

/** wasi:http/types `error-code`, as jco lowers it (the tags are the WIT case names). */
export type ErrorCode = { tag: string; val?: unknown };

export interface SendRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  /** wasi:http request-options, in milliseconds. */
  connectTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  betweenBytesTimeoutMs?: number;
  /** Bytes the guest wrote before handing the request over (more may follow with writeBody). */
  body: Uint8Array[];
  /** Whether the body is complete already (finish was called before handle). */
  bodyDone: boolean;
  /** Set for a request into the app itself (a relative URL, or `<id>.spin.internal`): it never reaches the network. */
  internal?: { self: true } | { component: string };
}

export interface ResponseHead {
  status: number;
  headers: Array<[string, string]>;
}

/** Outcome of a wait: the value, not ready yet, or the wasi:http error-code. */
export type Waited<T> = { state: 'ready'; value: T } | { state: 'pending' } | { state: 'error'; code: ErrorCode };

export interface OutboundHttpService {
  /** Starts a request; returns its handle at once (the response comes later). */
  send(req: SendRequest): number;
  /** Streams more request body; resolves once the transport took it (backpressure). */
  writeBody(handle: number, chunk: Uint8Array): void;
  finishBody(handle: number): void;
  /** The response head, waiting up to waitMs for it. */
  response(handle: number, waitMs: number): Waited<ResponseHead>;
  /** Up to `max` bytes of response body, waiting up to waitMs; null at its end. */
  read(handle: number, max: number, waitMs: number): Waited<Uint8Array | null>;
  /** The guest dropped the request or its response: stop it and free what it holds. */
  drop(handle: number): void;
  /** Writes the host log line for a request the allow-list refused. */
  reportDenied(url: string, entry: string): void;
}

/** What the guest side gets per component. */
export interface OutboundHttpGuestConfig {
  /** allowed_outbound_hosts, variables substituted, as written (parsed again in the worker). */
  allowedOutboundHosts: string[];
}
