/**
 * One Redis server's subscriptions (main thread): one connection subscribed to every channel
 * the app's triggers name at that address. Each channel's messages go to its components one
 * message at a time, in the order Redis sent them; every component on a channel gets each
 * message, concurrently, as in Spin. A handler that traps or returns its error is logged and
 * the next message still goes out. A lost connection is logged and retried until it is back,
 * when node-redis subscribes again before anything else (messages published meanwhile are
 * lost: Redis keeps none for a subscriber that is away).
 */
import { createClient } from 'redis';
import type { WorkerPool } from '../../components/pool.js';
import { shownRedisUrl } from '../../factors/redis-clients.js';
import { UserError } from '../../user-error.js';
import { HANDLER_OK, type RedisMessagePayload } from './executor.js';

/** Components by channel, at one address. */
export type ChannelComponents = Map<string, string[]>;

export interface SubscriberOptions {
  address: string;
  channels: ChannelComponents;
  pool: WorkerPool;
  log: (line: string) => void;
  /** How long the first connection may take before start fails (default 5 s). */
  connectTimeoutMs?: number;
}

/** Retries after a lost connection wait 100 ms, doubling up to this. */
const MAX_RETRY_MS = 2000;
/** Messages waiting on one channel past which the log says the handlers are behind (once per backlog). */
const BACKLOG_WARNING = 1000;

/** One channel's messages, handed out one at a time. */
class ChannelQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private warned = false;

  constructor(
    private readonly channel: string,
    private readonly deliver: (message: Buffer) => Promise<void>,
    private readonly log: (line: string) => void,
  ) {}

  push(message: Buffer): void {
    this.waiting++;
    if (this.waiting > BACKLOG_WARNING && !this.warned) {
      this.warned = true;
      this.log(`redis trigger: ${this.waiting} messages on channel "${this.channel}" wait for their handlers`);
    }
    this.tail = this.tail
      .then(() => this.deliver(message))
      .finally(() => {
        this.waiting--;
        if (this.waiting === 0) this.warned = false;
      });
  }

  /** Resolves once every message pushed so far was handled. */
  drained(): Promise<void> {
    return this.tail;
  }
}

export class RedisSubscriber {
  private readonly shown: string;
  private readonly queues = new Map<string, ChannelQueue>();
  private readonly stopping = new AbortController();
  /** One per message in a guest: aborted at close (one controller each, so no signal gathers listeners). */
  private readonly inFlight = new Set<AbortController>();
  private connectedOnce = false;
  private lostAt: number | undefined;
  private readonly client;

  constructor(private readonly opts: SubscriberOptions) {
    this.shown = shownRedisUrl(opts.address);
    this.client = createClient({
      url: opts.address,
      socket: {
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        // The first connection is tried once (start fails, naming the address); a lost one forever.
        reconnectStrategy: (retries: number, cause: Error) =>
          this.connectedOnce && !this.stopping.signal.aborted ? Math.min(100 * 2 ** retries, MAX_RETRY_MS) : cause,
      },
    });
    this.client.on('error', (err: Error) => this.onError(err));
    this.client.on('ready', () => this.onReady());
    for (const [channel, components] of opts.channels) {
      this.queues.set(channel, new ChannelQueue(channel, (m) => this.deliver(channel, components, m), opts.log));
    }
  }

  /** Connects and subscribes; rejects (with the address in the message) when it cannot. */
  async start(): Promise<void> {
    try {
      await this.client.connect();
      this.connectedOnce = true;
      await this.client.subscribe([...this.opts.channels.keys()], (message: Buffer, channel: Buffer) => this.onMessage(message, channel), true);
    } catch (err) {
      this.destroy();
      throw new UserError(`the Redis trigger cannot subscribe at ${this.shown}: ${(err as Error).message}. Start Redis there, or fix the address.`);
    }
  }

  /** What `up` prints, as Spin does: the channels at this address and who handles each. */
  describe(): string[] {
    return [`Active Channels on ${this.shown}:`, ...[...this.opts.channels].map(([channel, ids]) => `\t${this.shown}/${channel}: [${ids.join(',')}]`)];
  }

  private onMessage(message: Buffer, channel: Buffer | string): void {
    const queue = this.queues.get(channel.toString());
    if (queue) queue.push(message);
    else this.opts.log(`redis trigger: a message from unexpected channel ${JSON.stringify(channel.toString())} at ${this.shown} was dropped`);
  }

  private async deliver(channel: string, components: string[], message: Buffer): Promise<void> {
    const payload: RedisMessagePayload = { channel, message: new Uint8Array(message) };
    await Promise.all(components.map((id) => this.deliverTo(id, channel, payload)));
  }

  private async deliverTo(component: string, channel: string, payload: RedisMessagePayload): Promise<void> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const res = await this.opts.pool.handle(component, payload, controller.signal);
      const body = await new Response(res.body).text();
      if (res.status !== HANDLER_OK) {
        this.opts.log(
          `[${component}] Redis handler returned an error (${body || 'error'}) for a message on channel "${channel}"; the next message is still delivered`,
        );
      }
    } catch (err) {
      if (this.stopping.signal.aborted) return;
      this.opts.log(`[${component}] Redis handler failed on a message on channel "${channel}": ${(err as Error).message}; the next message is still delivered`);
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private onError(err: Error): void {
    if (!this.connectedOnce || this.stopping.signal.aborted || this.lostAt !== undefined) return;
    this.lostAt = Date.now();
    this.opts.log(`redis trigger: lost the connection to ${this.shown} (${err.message}); reconnecting`);
  }

  private onReady(): void {
    if (this.lostAt === undefined) return;
    const after = ((Date.now() - this.lostAt) / 1000).toFixed(1);
    this.lostAt = undefined;
    this.opts.log(`redis trigger: reconnected to ${this.shown} after ${after} s and subscribed again to ${[...this.opts.channels.keys()].join(', ')}`);
  }

  /** Stops listening; messages already taken are dropped with their requests (the pool closes next). */
  async close(): Promise<void> {
    this.stopping.abort();
    for (const c of this.inFlight) c.abort();
    try {
      if (this.client.isOpen) await this.client.close();
      else this.destroy();
    } catch {
      this.destroy();
    }
  }

  /** Drops the connection at once; a client already closed says so by throwing, which is no news here. */
  private destroy(): void {
    try {
      this.client.destroy();
    } catch {
      // already closed
    }
  }

  /** Resolves once every message received so far was handled (tests and shutdown). */
  async drained(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.drained()));
  }
}
