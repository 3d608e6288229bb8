/**
 * node-redis clients shared by the factors that talk to Redis (key-value's Redis stores,
 * outbound Redis): one client per URL, connected on first use and kept until the app stops.
 * A dead Redis fails a command at once rather than queueing it; the first connection is
 * tried once (the next use tries again), a lost one is retried. Bulk replies are bytes.
 */
import { createClient, RESP_TYPES } from 'redis';

/** Bulk replies as bytes (Buffer), not text. */
export const BYTES = { [RESP_TYPES.BLOB_STRING]: Buffer };

function makeClient(url: string) {
  let connected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 3000, reconnectStrategy: (retries) => (!connected || retries > 20 ? false : Math.min(50 * 2 ** retries, 2000)) },
  }).withTypeMapping(BYTES);
  client.on('ready', () => (connected = true));
  client.on('error', () => {
    // Reported to the caller of the failing command; the event itself must be handled.
  });
  return client;
}

export type RedisClient = ReturnType<typeof makeClient>;

/** A Redis URL with its password hidden, for messages and log lines. */
export function shownRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an invalid Redis address)';
  }
}

export class RedisClientPool {
  private readonly clients = new Map<string, Promise<RedisClient>>();

  /** The connected client for `url`; rejects when it cannot connect (the next call tries again). */
  client(url: string): Promise<RedisClient> {
    let c = this.clients.get(url);
    if (!c) {
      const client = makeClient(url);
      c = client.connect().then(() => client);
      c.catch(() => this.clients.delete(url));
      this.clients.set(url, c);
    }
    return c;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const c of all) {
      try {
        (await c).destroy();
      } catch {
        // never connected
      }
    }
  }
}
