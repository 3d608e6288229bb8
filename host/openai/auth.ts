/**
 * API keys for the OpenAI-compatible API and Spin's remote protocol: `Authorization: Bearer <key>`
 * (the scheme is case-insensitive: Spin sends `bearer`). Keys come from the runtime config
 * (`[openai] api_keys`), `--api-key` and `SPIN_TS_API_KEYS` (comma-separated). Comparison is in
 * constant time: every configured key is compared, through fixed-length SHA-256 digests.
 * No key configured → the API is open.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function collectApiKeys(sources: { config?: readonly string[]; flags?: readonly string[]; env?: string | undefined }): string[] {
  const fromEnv = (sources.env ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  const all = [...(sources.config ?? []), ...(sources.flags ?? []), ...fromEnv];
  for (const k of all) {
    if (k.trim() === '') throw new Error('an API key must not be empty');
    if (/\s/.test(k)) throw new Error('an API key must not contain whitespace');
  }
  return [...new Set(all)];
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** True when the key matches one configured key (all are compared, whatever matches). */
  matches(key: string): boolean {
    const d = digest(key);
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(d, k) || ok;
    return ok;
  }

  /** Why an Authorization header is refused, or undefined when it is accepted (always, with no keys). */
  check(authorization: string | undefined | null): string | undefined {
    if (!this.enabled) return undefined;
    if (!authorization) return 'You did not provide an API key. Send it as "Authorization: Bearer <key>".';
    const m = /^bearer\s+(\S+)\s*$/i.exec(authorization.trim());
    if (!m) return 'The Authorization header must be "Bearer <key>".';
    return this.matches(m[1]!) ? undefined : 'Incorrect API key provided.';
  }
}

/** Whether a listen host only accepts local connections. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
