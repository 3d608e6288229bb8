/**
 * `allowed_outbound_hosts` checks and the conversion of the deprecated
 * `allowed_http_hosts` list into outbound-host entries (as Spin does).
 */
import type { FieldReader } from '../../app/toml-fields.js';
import { joinField } from '../../app/toml-locate.js';

const OUTBOUND = /^([A-Za-z*][A-Za-z0-9+.*-]*):\/\/([^/]+)\/?$/;

/** Checks `scheme://host[:port]` entries (entries using `{{ var }}` are left to runtime). */
export function checkOutboundHosts(r: FieldReader, hosts: string[], field: string): void {
  for (const [i, host] of hosts.entries()) {
    if (host.includes('{{')) continue;
    if (!host.includes('://')) {
      r.fail(joinField(field, i), `"${host}" has no scheme`, `Write it as "scheme://host[:port]", e.g. "https://${host}".`);
    }
    if (!OUTBOUND.test(host)) {
      r.fail(joinField(field, i), `"${host}" is not of the form scheme://host[:port]`, 'Remove any path and write it as e.g. "https://example.com" or "*://localhost:*".');
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
