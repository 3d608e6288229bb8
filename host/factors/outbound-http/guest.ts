/**
 * Guest side of outbound HTTP: `wasi:http/outgoing-handler` (what `fetch` in
 * componentize-js / StarlingMonkey guests and Rust `wasi` guests call) and Spin 1.x's
 * `fermyon:spin/http` send-request. Every request is decided here against the component's
 * allowed_outbound_hosts before the host sends anything; a refused one is
 * `HTTP-request-denied` (or `destination-not-allowed`) for the guest and one host log line
 * naming the component, the URL and the entry to add.
 */
import { Fields, httpTypesImports, type RequestOptions } from '../../wasi/http-types.js';
import { WasiResultError } from '../../wasi/io.js';
import type { GuestImportsFactory } from '../factor.js';
import { typedService } from '../service.js';
import {
  allowsSelf,
  chainingTarget,
  isUnderChainingDomain,
  findAllowing,
  isServiceChaining,
  parseAllowedHost,
  suggestedEntry,
  type AllowedHost,
  type OutboundTarget,
} from './allowed-hosts.js';
import type { ErrorCode, OutboundHttpGuestConfig, OutboundHttpService, SendRequest } from './api.js';
import { describeErrorCode, OutboundFutureResponse, OutboundRequest } from './guest-resources.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const WAIT_MS = 30_000;

/** Why a request may not go out (`problem`: a line for the host log), or where it goes. */
export type Decision = { ok: true; url: URL; internal?: SendRequest['internal'] } | { ok: false; code: ErrorCode; entry?: string; problem?: string };

/** Spin's alternative name for `self`, for SDKs that cannot send a relative URL: `http://self.alt/<path>`. */
const SELF_ALT = 'self.alt';

/** A request to the app itself, allowed as Spin allows it (an entry for `self` or `*` with the scheme http or https). */
function selfRequest(hosts: readonly AllowedHost[], scheme: string, pathWithQuery: string): Decision {
  if (!allowsSelf(hosts, 'http') && !allowsSelf(hosts, 'https')) return { ok: false, code: { tag: 'HTTP-request-denied' }, entry: `${scheme}://self` };
  if (!pathWithQuery.startsWith('/')) return { ok: false, code: { tag: 'HTTP-request-URI-invalid' } };
  return { ok: true, url: new URL(`${scheme}://self${pathWithQuery}`), internal: { self: true } };
}

/** Decides a request to `scheme://authority/path` for a component allowed `hosts`. */
export function decide(hosts: readonly AllowedHost[], scheme: string, authority: string | undefined, pathWithQuery: string): Decision {
  // A relative request goes to the app itself ("self" in allowed_outbound_hosts).
  if (!authority) return selfRequest(hosts, scheme, pathWithQuery);
  let url: URL;
  try {
    if (!pathWithQuery.startsWith('/') || /[\s@]/.test(authority) || authority.includes('/')) throw new Error('bad');
    url = new URL(`${scheme}://${authority}${pathWithQuery}`);
  } catch {
    return { ok: false, code: { tag: 'HTTP-request-URI-invalid' } };
  }
  if (url.hostname === SELF_ALT) return selfRequest(hosts, scheme, pathWithQuery);
  const target: OutboundTarget = { scheme, host: url.hostname, port: url.port ? Number(url.port) : undefined };
  const chained = chainingTarget(url.hostname);
  if (chained === undefined && isUnderChainingDomain(url.hostname)) {
    // `*.spin.internal` allows a.b.spin.internal too, but that names no component: never ask DNS for it.
    const problem = `${url.hostname} names no component: service chaining is http://<component-id>.spin.internal, and nothing else under .spin.internal leaves the app`;
    return { ok: false, code: { tag: 'internal-error', val: problem }, problem };
  }
  if (chained !== undefined) {
    const entry = findAllowing(hosts, target);
    if (!entry || !isServiceChaining(entry)) return { ok: false, code: { tag: 'HTTP-request-denied' }, entry: `http://${chained}.spin.internal` };
    return { ok: true, url, internal: { component: chained } };
  }
  if (!findAllowing(hosts, target)) return { ok: false, code: { tag: 'HTTP-request-denied' }, entry: suggestedEntry(target) };
  if (scheme !== 'http' && scheme !== 'https') return { ok: false, code: { tag: 'HTTP-protocol-error' } };
  return { ok: true, url };
}

function schemeName(s: { tag: string; val?: string } | undefined): string {
  if (!s) return 'http';
  return s.tag === 'other' ? String(s.val).toLowerCase() : s.tag.toLowerCase();
}

function methodName(m: { tag: string; val?: string }): string | undefined {
  if (m.tag !== 'other') return m.tag.toUpperCase();
  return m.val && TOKEN.test(m.val) ? m.val : undefined;
}

const nsToMs = (d: bigint | undefined) => (d === undefined ? undefined : Number(d / 1_000_000n));

export const createGuestImports: GuestImportsFactory = (ctx) => {
  const config = ctx.config as OutboundHttpGuestConfig | undefined;
  const hosts = (config?.allowedOutboundHosts ?? []).map((h) => parseAllowedHost(h));
  const service = typedService<OutboundHttpService>(ctx);

  /** This component's outgoing-request: requests it builds talk to its service. */
  class ComponentOutgoingRequest extends OutboundRequest {
    constructor(fields: Fields) {
      super(fields, service);
    }
  }

  const refuse = (decision: Extract<Decision, { ok: false }>, shown: string) => {
    if (decision.code.tag === 'HTTP-request-denied' && decision.entry) service.reportDenied(shown, decision.entry);
    if (decision.problem) ctx.log(`outbound-http: component '${ctx.componentId}' sent a request to ${shown}, refused: ${decision.problem}`);
  };

  function handle(request: OutboundRequest, options: RequestOptions | undefined): OutboundFutureResponse {
    const scheme = schemeName(request.scheme());
    const authority = request.authority();
    const path = request.pathWithQuery() ?? '/';
    const method = methodName(request.method());
    if (!method) throw new WasiResultError({ tag: 'HTTP-request-method-invalid' });
    const decision = decide(hosts, scheme, authority, path);
    if (!decision.ok) {
      refuse(decision, `${scheme}://${authority ?? 'self'}${path}`);
      throw new WasiResultError(decision.code);
    }
    const sink = request.sink;
    const headers = request.headers().toPairs();
    try {
      request.exchange.handle = service.send({
        method,
        url: decision.url.href,
        headers,
        connectTimeoutMs: nsToMs(options?.connectTimeout()),
        firstByteTimeoutMs: nsToMs(options?.firstByteTimeout()),
        betweenBytesTimeoutMs: nsToMs(options?.betweenBytesTimeout()),
        body: sink ? sink.takeEarly() : [],
        bodyDone: sink ? sink.finished : true,
        ...(decision.internal ? { internal: decision.internal } : {}),
      });
    } catch (err) {
      throw new WasiResultError({ tag: 'internal-error', val: (err as Error).message });
    }
    return new OutboundFutureResponse(request.exchange);
  }

  type SpinRequest = { method: string; uri: string; headers: Array<[string, string]>; params: unknown; body?: Uint8Array };

  /** fermyon:spin/http send-request: the whole body each way, as its WIT says. */
  function sendRequest(req: SpinRequest) {
    let decision: Decision;
    if (req.uri.startsWith('/')) {
      // A relative URL is a request to the app itself (`self`).
      decision = decide(hosts, 'http', undefined, req.uri);
    } else {
      let parsed: URL;
      try {
        parsed = new URL(req.uri);
      } catch {
        throw new WasiResultError('invalid-url');
      }
      decision = decide(hosts, parsed.protocol.slice(0, -1), parsed.host, `${parsed.pathname}${parsed.search}`);
    }
    if (!decision.ok) {
      refuse(decision, req.uri);
      if (decision.code.tag === 'HTTP-request-denied') throw new WasiResultError('destination-not-allowed');
      if (decision.code.tag === 'HTTP-request-URI-invalid') throw new WasiResultError('invalid-url');
      throw new WasiResultError('runtime-error');
    }
    for (const [name, value] of req.headers) {
      if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new WasiResultError('request-error');
    }
    const handleId = service.send({
      method: req.method.toUpperCase(),
      url: decision.url.href,
      headers: req.headers,
      body: req.body ? [req.body] : [],
      bodyDone: true,
      ...(decision.internal ? { internal: decision.internal } : {}),
    });
    try {
      let head;
      for (;;) {
        const r = service.response(handleId, WAIT_MS);
        if (r.state === 'error') throw new Error(describeErrorCode(r.code));
        if (r.state === 'ready') {
          head = r.value;
          break;
        }
      }
      const parts: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const r = service.read(handleId, 1 << 20, WAIT_MS);
        if (r.state === 'error') throw new Error(describeErrorCode(r.code));
        if (r.state === 'pending') continue;
        if (r.value === null) break;
        parts.push(r.value);
        size += r.value.length;
      }
      const body = new Uint8Array(size);
      let at = 0;
      for (const p of parts) {
        body.set(p, at);
        at += p.length;
      }
      return { status: head.status, headers: head.headers, body };
    } catch (err) {
      ctx.log(`outbound-http: ${req.method.toUpperCase()} ${req.uri} failed: ${(err as Error).message}`);
      throw new WasiResultError('request-error');
    } finally {
      service.drop(handleId);
    }
  }

  return {
    imports: {
      'wasi:http/types': { ...httpTypesImports['wasi:http/types'], OutgoingRequest: ComponentOutgoingRequest },
      'wasi:http/outgoing-handler': { handle },
      'fermyon:spin/http': { sendRequest },
    },
  };
};
