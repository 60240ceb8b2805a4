/**
 * The event bus across server replicas, over Redis pub/sub (ioredis): topic `t` is channel `${prefix}:t`.
 *
 * Delivery: a publish is delivered to this process's subscribers at once, synchronously (the port's contract, as with
 * the in-process bus), and sent to Redis for the other replicas; each replica skips the echo of its own messages
 * (every message carries its sender's random origin id). Order: every replica sees one publisher's events on a topic
 * in that publisher's order (a camera's track events come from one replica, so each track's events keep their order
 * everywhere); events of different replicas may interleave differently on different replicas, so state that several
 * replicas update (e.g. the shared wall) must carry its own version.
 *
 * Payloads travel as JSON: they must be JSON-safe (plain objects and arrays, strings, finite numbers, booleans, null).
 * Typed arrays, Maps, Dates, undefined fields and NaN do not survive the trip; TrackEvent is plain data.
 *
 * Redis down or slow never reaches the publisher: publish() does not throw or wait. The publisher connection has no
 * offline queue and does not resend commands cut off by a disconnect (a late event is worse than a lost one), and at
 * most `maxInFlight` publishes wait for Redis; everything else is dropped and counted. Local delivery goes on.
 * Subscriptions are re-established by us after every reconnect (`connected` turns true once they are).
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { EventBus, Unsubscribe } from './event-bus.js';
import { InProcessBus } from './in-process-bus.js';

export interface RedisBusOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  url: string;
  /** Channel prefix, so that several deployments can share one Redis (default 'boostface'). */
  prefix?: string;
  /** Publishes sent and not yet acknowledged by Redis beyond this are dropped (default 10000). */
  maxInFlight?: number;
  /** Handler failures and Redis trouble (each distinct Redis error once per outage). Default: console.error. */
  onError?: (what: string, err: unknown) => void;
  /** Further ioredis options (TLS, retryStrategy, ...). The ones this adapter's guarantees rest on are overridden. */
  redis?: RedisOptions;
}

export interface RedisBusStats {
  /** Publishes Redis acknowledged. */
  published: number;
  /** Publishes not sent to Redis (down, reconnecting, too many in flight, not JSON-serializable, failed). */
  dropped: number;
  /** Events of other processes delivered to this process's subscribers. */
  delivered: number;
  /** Messages on our channels that were not a well-formed envelope. */
  malformed: number;
  /** Publisher ready and every subscription live. */
  connected: boolean;
}

const ORIGIN_CHARS = 12;
const CLOSE_GRACE_MS = 2000;

export class RedisBus<Topics extends object> implements EventBus<Topics> {
  private readonly local: InProcessBus<Topics>;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly maxInFlight: number;
  private readonly onError: (what: string, err: unknown) => void;
  /** Messages are this origin id, a space, then the JSON payload: the prefix identifies our own echoes. */
  private readonly origin = randomBytes(9).toString('base64url') + ' ';
  /** Channels of the topics with local subscribers (what the subscriber connection should be subscribed to). */
  private readonly topicOfChannel = new Map<string, string>();
  private readonly counts = { published: 0, dropped: 0, delivered: 0, malformed: 0 };
  private inFlight = 0;
  private subscriptionsLive = false;
  /** Bumped on every subscriber disconnect: a resubscribe that completes after a newer disconnect means nothing. */
  private subscriberEpoch = 0;
  private pendingSubscriptionCommands = 0;
  private connectedWaiters: (() => void)[] = [];
  /** The last Redis error reported per connection, so that an outage is reported once, not per retry. */
  private readonly lastReported = new Map<string, string>();
  private closed = false;

  constructor(options: RedisBusOptions) {
    this.prefix = options.prefix ?? 'boostface';
    this.maxInFlight = options.maxInFlight ?? 10_000;
    this.onError = options.onError ?? ((what, err) => console.error(`redis bus: ${what}:`, err instanceof Error ? err.message : err));
    this.local = new InProcessBus<Topics>((topic, err) => this.onError(`${topic} handler failed`, err));
    const common: RedisOptions = { ...options.redis, lazyConnect: false, enableOfflineQueue: false, autoResendUnfulfilledCommands: false };
    this.pub = new Redis(options.url, { ...common, connectionName: `${this.prefix}:pub` });
    // We resubscribe ourselves on 'ready' (autoResubscribe would do it too, but with no way to know when it is done).
    this.sub = new Redis(options.url, { ...common, connectionName: `${this.prefix}:sub`, autoResubscribe: false });
    this.watch(this.pub, 'publisher');
    this.watch(this.sub, 'subscriber');
    this.pub.on('ready', () => this.checkConnected());
    this.sub.on('ready', () => this.resubscribe());
    this.sub.on('close', () => {
      this.subscriptionsLive = false;
      this.subscriberEpoch++;
    });
    this.sub.on('message', (channel: string, message: string) => this.receive(channel, message));
  }

  publish<K extends keyof Topics & string>(topic: K, payload: Topics[K]): void {
    if (this.closed) return;
    // Sent before the local handlers run: one of them may publish in turn, and Redis should get the calls' order.
    this.send(topic, payload);
    this.local.publish(topic, payload);
  }

  private send(topic: string, payload: unknown): void {
    if (this.pub.status !== 'ready' || this.inFlight >= this.maxInFlight) {
      this.counts.dropped++;
      return;
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (err) {
      this.onError(`${topic} payload is not JSON-serializable`, err);
    }
    if (json === undefined) {
      this.counts.dropped++;
      return;
    }
    this.inFlight++;
    this.pub.publish(this.channel(topic), this.origin + json).then(
      () => {
        this.inFlight--;
        this.counts.published++;
      },
      (err: unknown) => {
        this.inFlight--;
        this.counts.dropped++;
        this.reportRedisError('publisher', err);
      },
    );
  }

  subscribe<K extends keyof Topics & string>(topic: K, handler: (payload: Topics[K]) => void): Unsubscribe {
    if (this.closed) return () => {};
    const off = this.local.subscribe(topic, handler);
    const channel = this.channel(topic);
    if (!this.topicOfChannel.has(channel)) {
      this.topicOfChannel.set(channel, topic);
      // While the subscriber is not ready, the resubscribe on 'ready' covers this channel.
      if (this.sub.status === 'ready') this.track(this.sub.subscribe(channel));
    }
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      off();
      if (this.closed || this.local.subscriberCount(topic) > 0) return;
      this.topicOfChannel.delete(channel);
      if (this.sub.status === 'ready') this.track(this.sub.unsubscribe(channel));
    };
  }

  get stats(): RedisBusStats {
    return { ...this.counts, connected: this.isConnected() };
  }

  /** Resolves once the publisher is ready and every subscription is live (e.g. after subscribing, or a reconnect). */
  whenConnected(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.connectedWaiters = this.connectedWaiters.filter((w) => w !== done);
        reject(new Error(`redis bus: not connected within ${timeoutMs} ms (publisher ${this.pub.status}, subscriber ${this.sub.status})`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.connectedWaiters.push(done);
      this.checkConnected();
    });
  }

  /** Stops delivery and quits both connections (waits until Redis has closed them). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.local.close();
    await Promise.all([shutdown(this.pub), shutdown(this.sub)]);
  }

  private channel(topic: string): string {
    return `${this.prefix}:${topic}`;
  }

  private receive(channel: string, message: string): void {
    if (this.closed || message.startsWith(this.origin)) return; // our own echo: delivered locally at publish time
    const topic = this.topicOfChannel.get(channel);
    if (topic === undefined) return; // unsubscribed meanwhile
    let payload: unknown;
    try {
      if (message.charAt(ORIGIN_CHARS) !== ' ') throw new Error('no origin prefix');
      payload = JSON.parse(message.slice(ORIGIN_CHARS + 1));
    } catch (err) {
      this.counts.malformed++;
      this.onError(`malformed message on ${channel}`, err);
      return;
    }
    this.counts.delivered++;
    this.local.publish(topic as keyof Topics & string, payload as Topics[keyof Topics & string]);
  }

  private resubscribe(): void {
    const epoch = this.subscriberEpoch;
    const channels = [...this.topicOfChannel.keys()];
    const done = channels.length ? this.sub.subscribe(...channels) : Promise.resolve(0);
    this.track(
      done.then(() => {
        if (epoch === this.subscriberEpoch && this.sub.status === 'ready') this.subscriptionsLive = true;
      }),
    );
  }

  /** Counts a subscription command until it settles; a failure is a disconnect, after which resubscribe() runs again. */
  private track(command: Promise<unknown>): void {
    this.pendingSubscriptionCommands++;
    command
      .catch((err: unknown) => this.reportRedisError('subscriber', err))
      .finally(() => {
        this.pendingSubscriptionCommands--;
        this.checkConnected();
      });
  }

  private isConnected(): boolean {
    return !this.closed && this.pub.status === 'ready' && this.subscriptionsLive && this.sub.status === 'ready';
  }

  private checkConnected(): void {
    if (this.pendingSubscriptionCommands > 0 || !this.isConnected()) return;
    for (const w of this.connectedWaiters.splice(0)) w();
  }

  private watch(connection: Redis, name: string): void {
    // Without an 'error' listener ioredis prints every failed reconnect attempt.
    connection.on('error', (err: unknown) => this.reportRedisError(name, err));
    connection.on('ready', () => this.lastReported.delete(name));
    // A short outage may end before a reconnect attempt fails (no 'error' then): report the loss itself.
    connection.on('close', () => {
      if (this.lastReported.has(name) || this.closed) return;
      this.reportRedisError(name, new Error('connection lost'));
    });
  }

  private reportRedisError(name: string, err: unknown): void {
    if (this.closed) return;
    const message = err instanceof Error ? err.message : String(err);
    if (this.lastReported.get(name) === message) return;
    this.lastReported.set(name, message);
    this.onError(`${name} connection`, err);
  }
}

/** QUIT when connected (Redis closes the connection), else disconnect; resolves when no socket is left. */
async function shutdown(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status === 'reconnecting' || connection.status === 'wait') {
    connection.disconnect(); // no socket is open; this cancels the pending reconnect
    return;
  }
  let isEnded = false;
  const ended = new Promise<void>((resolve) =>
    connection.once('end', () => {
      isEnded = true;
      resolve();
    }),
  );
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
  clearTimeout(timer);
  if (!isEnded) connection.disconnect();
}
