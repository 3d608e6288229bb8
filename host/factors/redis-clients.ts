/**
 * node-redis clients shared by the factors that talk to Redis (key-value's Redis stores,
 * outbound Redis): one client per URL, connected on first use. Bulk replies are bytes.
 *
 * A dead Redis fails a command at once rather than queueing it. Nothing reconnects in the
 * background and nothing ever gives up: a connection that fails or is lost drops its client,
 * and the next call connects again, so the first call after Redis is back succeeds however
 * long it was down. Each outage is one log line, and its end another.
 */
import { createClient, RESP_TYPES } from 'redis';

/** Bulk replies as bytes (Buffer), not text. */
export const BYTES = { [RESP_TYPES.BLOB_STRING]: Buffer };

/** `onLost` runs once when a connection that was ready is lost. */
function makeClient(url: string, onLost: (err: Error) => void) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    // false: node-redis's own retries would keep a client that, past its last retry, stays
    // closed for good; the pool reconnects on the next call instead.
    socket: { connectTimeout: 3000, reconnectStrategy: false },
  }).withTypeMapping(BYTES);
  let ready = false;
  client.on('ready', () => (ready = true));
  client.on('error', (err: Error) => {
    // A failing command is reported to its caller; a lost connection also to the pool.
    if (ready && !client.isOpen) {
      ready = false;
      onLost(err);
    }
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

interface Entry {
  client: RedisClient;
  connected: Promise<RedisClient>;
}

export class RedisClientPool {
  private readonly clients = new Map<string, Entry>();
  /** URLs whose Redis is down, with when the outage was noticed. */
  private readonly down = new Map<string, number>();

  /** `log` gets the outage and recovery lines; `who` names the user of the pool in them. */
  constructor(
    private readonly log: (line: string) => void = () => {},
    private readonly who = 'redis',
  ) {}

  /** The connected client for `url`; rejects when it cannot connect (the next call tries again). */
  client(url: string): Promise<RedisClient> {
    const cached = this.clients.get(url);
    if (cached && cached.client.isOpen) return cached.connected;
    if (cached) this.clients.delete(url);
    const client = makeClient(url, (err) => {
      if (this.clients.get(url)?.client === client) this.clients.delete(url);
      this.noteDown(url, err);
    });
    const connected = client.connect().then(
      () => {
        this.noteUp(url);
        return client;
      },
      (err: Error) => {
        if (this.clients.get(url)?.client === client) this.clients.delete(url);
        this.noteDown(url, err);
        throw err;
      },
    );
    this.clients.set(url, { client, connected });
    return connected;
  }

  /** Whether a client for `url` is held (connected, or connecting). */
  has(url: string): boolean {
    return this.clients.has(url);
  }

  /** How many clients are held. */
  get size(): number {
    return this.clients.size;
  }

  /** Closes and forgets the client for `url`, if one is held; the next call for it connects again. */
  drop(url: string): void {
    const entry = this.clients.get(url);
    if (!entry) return;
    this.clients.delete(url);
    entry.connected.then(
      (client) => {
        if (client.isOpen) client.destroy();
      },
      () => {},
    );
  }

  private noteDown(url: string, err: Error): void {
    if (this.down.has(url)) return;
    this.down.set(url, Date.now());
    this.log(`${this.who}: Redis at ${shownRedisUrl(url)} is unreachable (${err.message}); calls to it fail until it answers again`);
  }

  private noteUp(url: string): void {
    const since = this.down.get(url);
    if (since === undefined) return;
    this.down.delete(url);
    this.log(`${this.who}: Redis at ${shownRedisUrl(url)} answers again after ${((Date.now() - since) / 1000).toFixed(1)} s`);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const { client, connected } of all) {
      try {
        await connected;
        if (client.isOpen) client.destroy();
      } catch {
        // never connected, or already lost
      }
    }
  }
}
