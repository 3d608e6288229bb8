/** Calls the js-kv guest (guest-examples/js-kv): one key-value operation per request. */
export type KvReply = { ok: unknown } | { error: { tag: string; val?: unknown } };

export interface KvCall {
  api: 'v2' | 'v1' | 'wasi';
  op: string;
  store: string;
  key?: string;
  value?: string;
  /** A value of this many zero bytes (made in the guest). */
  size?: number;
  delta?: number;
  /** increment: this many times in one request. */
  repeat?: number;
  keys?: string[];
  entries?: Array<[string, string]>;
  handle?: number;
  interfere?: string;
}

export async function kv(url: string, call: KvCall, path = '/kv'): Promise<KvReply> {
  const res = await fetch(url + path, { method: 'POST', body: JSON.stringify(call) });
  const body = (await res.json()) as KvReply;
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}
