/** What the HTTP trigger tells its executor about a request (the worker payload), and the methods Spin's inbound-http can express. */

export interface HttpRequestPayload {
  method: string;
  /** Path and query as the client sent them. */
  pathWithQuery: string;
  scheme: 'http' | 'https';
  authority: string;
  headers: Array<[string, string]>;
  /** The body's first bytes, read before the guest runs; `complete` when that is all of it (else the guest pulls the rest with READ_BODY). */
  bodyPrefix: Uint8Array;
  bodyComplete: boolean;
}

/** How much of a body travels with the request: small bodies need no round trip, large ones stream. */
export const BODY_PREFIX_BYTES = 64 * 1024;

/** The request's own host service (components/ REQUEST_SERVICE): `read-body(window: SharedArrayBuffer, max)` copies up to max body bytes into the window and answers how many, `null` at the end. */
export const READ_BODY = 'read-body';

/** Methods Spin's record-based inbound-http interface can express (its `method` enum). */
export const INBOUND_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);
