/**
 * JSON over HTTP for the remote engines, with every failure turned into
 * LlmError('runtime-error') whose message names the remote and the call: connection errors,
 * timeouts, non-2xx answers (with the remote's own error message when it sends one) and bodies
 * that are not what the protocol promises. A caller's abort rejects with the abort reason, as the
 * local engine does.
 */
import { LlmError } from '../engine.js';

export interface RemoteOptions {
  /** The remote's base URL as configured; its path is dropped (as Spin does). */
  url: string;
  /** Bearer token; none is sent when empty. */
  authToken: string;
  /** Give up on a call after this long (default 5 minutes). */
  timeoutMs?: number | undefined;
  log?: ((line: string) => void) | undefined;
}

export const DEFAULT_REMOTE_TIMEOUT_MS = 5 * 60 * 1000;

/** Thrown by body checks; wrapped with the remote's name by `RemoteHttp.call`. */
export class BadBody extends Error {}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error(typeof reason === 'string' ? reason : 'The operation was aborted');
  err.name = 'AbortError';
  return err;
}

function errorMessageOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const e = (body as { error?: unknown }).error;
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return undefined;
}

export class RemoteHttp {
  readonly origin: string;
  private readonly timeoutMs: number;
  private readonly inflight = new Set<AbortController>();

  constructor(
    private readonly opts: RemoteOptions,
    private readonly authScheme: string,
  ) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new LlmError('runtime-error', `remote LLM url "${opts.url}" is not a URL`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LlmError('runtime-error', `remote LLM url "${opts.url}" is not http(s)`);
    this.origin = u.origin;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS;
  }

  /**
   * `method path` on the remote with a JSON body (or none); returns the parsed JSON of a 2xx
   * answer after `check` accepted it (check throws BadBody to refuse).
   */
  async call<T>(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined, check: (json: unknown) => T): Promise<T> {
    const what = `remote LLM at ${this.origin} (${method} ${path})`;
    if (signal?.aborted) throw abortError(signal);
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, this.timeoutMs);
    const onAbort = (): void => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.inflight.add(ac);
    try {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (this.opts.authToken !== '') headers.authorization = `${this.authScheme} ${this.opts.authToken}`;
      let res: Response;
      let text: string;
      try {
        res = await fetch(new URL(path, this.origin), {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: ac.signal,
        });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw abortError(signal);
        if (timedOut) throw new LlmError('runtime-error', `${what}: no answer within ${(this.timeoutMs / 1000).toFixed(this.timeoutMs < 1000 ? 1 : 0)} s`);
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new LlmError('runtime-error', `${what}: request failed: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
      let json: unknown;
      let parsed = true;
      try {
        json = JSON.parse(text);
      } catch {
        parsed = false;
      }
      if (!res.ok) {
        const message = (parsed ? errorMessageOf(json) : undefined) ?? (text.trim().slice(0, 200) || res.statusText);
        throw new LlmError('runtime-error', `${what} answered ${res.status}: ${message}`);
      }
      if (!parsed) throw new LlmError('runtime-error', `${what} answered with a body that is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
      const remoteError = errorMessageOf(json);
      if (remoteError !== undefined) throw new LlmError('runtime-error', `${what}: ${remoteError}`);
      try {
        return check(json);
      } catch (err) {
        if (err instanceof BadBody) throw new LlmError('runtime-error', `${what} answered with an unexpected body: ${err.message}`);
        throw err;
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.inflight.delete(ac);
    }
  }

  /** Abort every call in flight. */
  abortAll(): void {
    for (const ac of this.inflight) ac.abort();
  }
}

// ---- body checks ----

export function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadBody(`${what} is not an object`);
  return v as Record<string, unknown>;
}

export function str(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new BadBody(`${what} is not a string`);
  return v;
}

export function count(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BadBody(`${what} is not a non-negative integer`);
  return v;
}

export function vectors(v: unknown, what: string): number[][] {
  if (!Array.isArray(v)) throw new BadBody(`${what} is not a list`);
  return v.map((row, i) => {
    if (!Array.isArray(row) || row.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new BadBody(`${what}[${i}] is not a list of numbers`);
    return row as number[];
  });
}
