/**
 * `allowed_outbound_hosts`, with Spin's rules (spinframework/spin
 * crates/outbound-networking, config/allowed_hosts): each entry is `scheme://host[:port]`;
 * `*` may stand for the scheme, the host or the port; `*.example.com` allows subdomains;
 * `a..b` is a port range (end excluded); no port means the scheme's well-known port;
 * `self` (or `self.alt`) is the app itself; `<id>.spin.internal` and `*.spin.internal` are
 * service chaining; an IP CIDR (`10.0.0.0/8`) allows addresses in it; a path is refused.
 * Also the conversion of the v1 `allowed_http_hosts` list, as Spin converts it.
 */
import { isIP } from 'node:net';
import type { FieldReader } from '../../app/toml-fields.js';
import { joinField } from '../../app/toml-locate.js';

export const SERVICE_CHAINING_SUFFIX = '.spin.internal';

type HostRule =
  | { kind: 'any' }
  | { kind: 'subdomain'; suffix: string }
  | { kind: 'self' }
  | { kind: 'literal'; host: string }
  | { kind: 'cidr'; family: 4 | 6; bits: bigint; prefix: number };
type PortRule = { kind: 'any' } | { kind: 'port'; port: number } | { kind: 'range'; start: number; end: number };

export interface AllowedHost {
  /** The entry as written in spin.toml (after variable substitution). */
  original: string;
  scheme: string | '*';
  host: HostRule;
  port: PortRule;
}

export class AllowedHostError extends Error {}

const WELL_KNOWN_PORTS: Record<string, number> = { postgres: 5432, mysql: 3306, redis: 6379, mqtt: 1883, http: 80, https: 443 };

export function wellKnownPort(scheme: string): number | undefined {
  return WELL_KNOWN_PORTS[scheme];
}

function parsePort(text: string, scheme: string): PortRule {
  if (text === '') {
    const p = wellKnownPort(scheme);
    if (p === undefined) throw new AllowedHostError(`no port was given and the scheme "${scheme}" has no well-known port`);
    return { kind: 'port', port: p };
  }
  if (text === '*') return { kind: 'any' };
  const num = (s: string) => {
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new AllowedHostError(`port "${text}" is not a number from 0 to 65535`);
    return Number(s);
  };
  const range = text.split('..');
  if (range.length === 2) return { kind: 'range', start: num(range[0]!), end: num(range[1]!) };
  return { kind: 'port', port: num(text) };
}

function ipBits(ip: string): { family: 4 | 6; bits: bigint } | undefined {
  const family = isIP(ip);
  if (family === 4) return { family: 4, bits: ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n) };
  if (family === 6) {
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
    const parts = (s: string | undefined) => (s ? s.split(':') : []);
    let groups = parts(head);
    if (tail !== undefined) {
      const rest = parts(tail);
      groups = [...groups, ...Array(8 - groups.length - rest.length).fill('0'), ...rest];
    }
    return { family: 6, bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n) };
  }
  return undefined;
}

function parseCidr(text: string): HostRule | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const ip = ipBits(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || prefix > (ip.family === 4 ? 32 : 128)) return undefined;
  const width = ip.family === 4 ? 32n : 128n;
  const mask = ((1n << BigInt(prefix)) - 1n) << (width - BigInt(prefix));
  return { kind: 'cidr', family: ip.family, bits: ip.bits & mask, prefix };
}

function parseHost(text: string): HostRule {
  const host = text.trim();
  if (host === '*') return { kind: 'any' };
  if (host === 'self' || host === 'self.alt') return { kind: 'self' };
  if (host.startsWith('{')) throw new AllowedHostError('host lists are not supported');
  const cidr = parseCidr(host);
  if (cidr) return cidr;
  const bare = host.replace(/\/+$/, '');
  if (bare.includes('/')) throw new AllowedHostError('it must not include a path');
  if (bare.startsWith('*.')) {
    const domain = bare.slice(2);
    if (domain.includes('*')) throw new AllowedHostError('wildcards are allowed only as prefixes');
    return { kind: 'subdomain', suffix: `.${domain.toLowerCase()}` };
  }
  if (bare.includes('*')) throw new AllowedHostError('wildcards are allowed only as subdomains');
  const literal = normalHost(bare);
  if (literal === undefined) throw new AllowedHostError(`"${bare}" is not a valid host`);
  return { kind: 'literal', host: literal };
}

/** A host as the URL parser writes it (lower case, IPv6 in brackets), or undefined if invalid. */
function normalHost(host: string): string | undefined {
  if (host === '') return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}

/** Parses one entry; throws AllowedHostError saying what is wrong. */
export function parseAllowedHost(entry: string): AllowedHost {
  const url = entry.trim();
  const sep = url.indexOf('://');
  if (sep < 0) {
    if (['*', ':', '', '?'].includes(url)) {
      throw new AllowedHostError(
        `"${url}" is not an allowed outbound host: write <scheme>://<host>[:<port>], with '*' wildcards allowed for each ('*://*:*' allows everything)`,
      );
    }
    throw new AllowedHostError(`"${url}" has no scheme (e.g. 'http://' or '*://')`);
  }
  const scheme = url.slice(0, sep);
  const rest = url.slice(sep + 3);
  const colon = rest.lastIndexOf(':');
  // As Spin: split at the last ':' (so "http://[::1]" without a port is refused, as there).
  const host = colon >= 0 ? rest.slice(0, colon) : rest;
  let portText = colon >= 0 ? rest.slice(colon + 1) : '';
  const slash = portText.indexOf('/');
  if (slash >= 0) {
    if (portText.slice(slash + 1) !== '') throw new AllowedHostError(`"${url}" has a path, which is not allowed`);
    portText = portText.slice(0, slash);
  }
  if (colon < 0 && /\/./.test(rest) && !parseCidr(rest)) throw new AllowedHostError(`"${url}" has a path, which is not allowed`);
  if (scheme !== '*') {
    if (scheme.startsWith('{')) throw new AllowedHostError(`scheme lists are not supported ("${url}")`);
    if (!/^[A-Za-z]+$/.test(scheme)) throw new AllowedHostError(`scheme "${scheme}" may hold letters only ("${url}")`);
  }
  const port = parsePort(portText, scheme);
  return { original: entry, scheme, host: parseHost(host), port };
}

/** What a guest asked to reach. */
export interface OutboundTarget {
  scheme: string;
  /** As the URL parser writes it (lower case; IPv6 in brackets). */
  host: string;
  port: number | undefined;
}

function hostAllows(rule: HostRule, host: string): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'subdomain':
      return isIP(host.replace(/^\[|\]$/g, '')) === 0 && host.endsWith(rule.suffix);
    case 'literal':
      return rule.host === host;
    case 'cidr': {
      const ip = ipBits(host.replace(/^\[|\]$/g, ''));
      if (!ip || ip.family !== rule.family) return false;
      const width = rule.family === 4 ? 32n : 128n;
      return ip.bits >> (width - BigInt(rule.prefix)) === rule.bits >> (width - BigInt(rule.prefix));
    }
    case 'self':
      return false; // relative requests are checked by allowsSelf
  }
}

function portAllows(rule: PortRule, port: number | undefined, scheme: string): boolean {
  if (rule.kind === 'any') return true;
  const p = port ?? wellKnownPort(scheme);
  if (p === undefined) return false;
  return rule.kind === 'port' ? rule.port === p : p >= rule.start && p < rule.end;
}

/** The entry that allows `target`, if any. */
export function findAllowing(hosts: readonly AllowedHost[], target: OutboundTarget): AllowedHost | undefined {
  return hosts.find(
    (h) => (h.scheme === '*' || h.scheme === target.scheme) && hostAllows(h.host, target.host) && portAllows(h.port, target.port, target.scheme),
  );
}

/** Whether a request to the app itself ("self", a relative URL) with this scheme is allowed. */
export function allowsSelf(hosts: readonly AllowedHost[], scheme: string): boolean {
  return hosts.some((h) => (h.scheme === '*' || h.scheme === scheme) && (h.host.kind === 'self' || h.host.kind === 'any'));
}

/** Whether an entry names service chaining (`<id>.spin.internal` or `*.spin.internal`). */
export function isServiceChaining(h: AllowedHost): boolean {
  return (
    (h.host.kind === 'literal' && h.host.host.endsWith(SERVICE_CHAINING_SUFFIX)) || (h.host.kind === 'subdomain' && h.host.suffix === SERVICE_CHAINING_SUFFIX)
  );
}

/** The component a `<id>.spin.internal` host names, if it is one. */
export function chainingTarget(host: string): string | undefined {
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === SERVICE_CHAINING_SUFFIX ? host.slice(0, dot) : undefined;
}

/** Whether a host is `spin.internal` or under it: such a host stays inside the app (a component, or refused), never DNS. */
export function isUnderChainingDomain(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === SERVICE_CHAINING_SUFFIX.slice(1) || h.endsWith(SERVICE_CHAINING_SUFFIX);
}

/** The entry a user would add to spin.toml to allow `target` (for the denial log line). */
export function suggestedEntry(target: OutboundTarget): string {
  const port = target.port !== undefined && target.port !== wellKnownPort(target.scheme) ? `:${target.port}` : '';
  return `${target.scheme}://${target.host}${port}`;
}

/** Checks entries at load (entries using `{{ var }}` are checked at start, once their values are known). */
export function checkOutboundHosts(r: FieldReader, hosts: string[], field: string): void {
  if (hosts.length === 1 && hosts[0] === 'insecure:allow-all') {
    r.fail(joinField(field, 0), "'insecure:allow-all' is not allowed here", "Use '*://*:*' if you really want to allow all outbound traffic.");
  }
  for (const [i, host] of hosts.entries()) {
    if (host.includes('{{')) continue;
    try {
      parseAllowedHost(host);
    } catch (err) {
      r.fail(
        joinField(field, i),
        (err as Error).message,
        'Write it as "scheme://host[:port]", e.g. "https://example.com", "https://*.example.com" or "*://localhost:*".',
      );
    }
  }
}

/** Converts `allowed_http_hosts` entries (host, host:port, http(s) URL, "insecure:allow-all"). */
export function convertHttpHosts(r: FieldReader, hosts: string[], field: string): string[] {
  if (hosts.includes('insecure:allow-all')) return ['http://*:*', 'https://*:*', 'http://self'];
  const out: string[] = [];
  for (const [i, text] of hosts.entries()) {
    const f = joinField(field, i);
    let url: URL | undefined;
    try {
      url = new URL(text.includes('//') ? text : `http://${text}`);
    } catch {
      url = undefined;
    }
    if (!url || !url.hostname || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      r.fail(f, `"${text}" is not a valid host, host:port or http(s) URL`, 'Use allowed_outbound_hosts = ["https://example.com"] instead.');
    }
    if (url.pathname.length > 1 || url.search || url.hash) {
      r.fail(f, `"${text}" contains a path`, 'Give the host and optional port only, e.g. "example.com:8080".');
    }
    if (url.hostname === 'self') {
      out.push('http://self');
      continue;
    }
    const port = url.port ? `:${url.port}` : '';
    out.push(`http://${url.hostname}${port}`, `https://${url.hostname}${port}`);
  }
  return out;
}
