/**
 * What one GraphQL subscription consumes: a bounded queue between the event bus (the producer, which must never wait)
 * and the subscriber's socket (the consumer, as fast as the client reads; graphql-ws pulls the next event once the
 * previous one is queued on a socket with a short backlog, else once it is written: ./ws-transport.ts).
 *
 * - push() never blocks and never throws.
 * - Coalescing ("latest wins"): an event with a coalesce key removes a still-queued event with the same key and is
 *   queued at the END. So the stream always delivers a subsequence of what was pushed, in push order: a track's box
 *   update never overtakes that track's earlier `identified`/`ended` event (it would if it took the old slot).
 * - Full queue (`capacity` events): the oldest queued droppable event is evicted to make room; with none queued, a
 *   droppable new event is dropped; a non-droppable one means the subscriber stayed behind: overflow.
 * - Overflow: the queue is released, onOverflow(reason) is called, next() rejects once with SubscriberOverflowError
 *   (graphql-ws sends it to the client as this operation's error), then reports done. The client may resubscribe.
 * - end() (producer side: the track ended, shutdown): queued events are still delivered, then done.
 * - iterator.return() (client unsubscribed, socket closed): everything is released at once, a pending next() ends.
 * - onClose(cause) is called exactly once, when the stream stops accepting events: the owner unsubscribes there.
 * - Direct delivery (optional, iterator[DIRECT_DELIVERY](sink)): while the iterator's consumer waits in next() (so
 *   nothing of it is in flight), a wake-up offers the queued events to the sink, in order, synchronously; an event the
 *   sink declines, and everything after it, goes the iterator's way. For many subscribers this spares the promises and
 *   microtasks of one async step per event and subscriber (the WebSocket transport writes events straight to the socket).
 */

export type StreamCloseCause = 'end' | 'return' | 'overflow';

export interface StreamOverflow {
  code: typeof SLOW_SUBSCRIBER;
  message: string;
  capacity: number;
}

/** Live counters of one stream (the metrics module supplies an implementation per subscription kind). */
export interface StreamCounters {
  delivered(): void;
  coalesced(): void;
  dropped(): void;
  overflowed(): void;
}

export interface EventStreamOptions<T> {
  /** Most events queued for a consumer that has not caught up (default 256). */
  capacity?: number;
  /** Events with a key replace a still-queued event with the same key (e.g. `updated` box events, per track). */
  coalesceKey?: (event: T) => string | undefined;
  /** Events that may be discarded under pressure instead of failing the subscriber (e.g. box updates). */
  droppable?: (event: T) => boolean;
  /** The subscriber fell behind and the stream failed; e.g. close its socket with SLOW_SUBSCRIBER_CLOSE_CODE. */
  onOverflow?: (overflow: StreamOverflow) => void;
  /** Called once when the stream stops accepting events, whatever the cause. */
  onClose?: (cause: StreamCloseCause) => void;
  counters?: StreamCounters;
  /**
   * How a waiting consumer gets an event pushed to it: `wake(handOver)` has handOver() called later (e.g. a chunk of
   * subscribers per event-loop turn: ./delivery-turns.ts); meanwhile the event waits in the queue like any other (it
   * may be coalesced, and counts against the capacity). Default: handed over at once, inside push().
   */
  wake?: (handOver: () => void) => void;
}

export interface EventStreamStats {
  pushed: number;
  delivered: number;
  coalesced: number;
  dropped: number;
  /** Events queued now, and the most ever queued. */
  queued: number;
  highWater: number;
}

export interface EventStream<T> {
  /** Offer an event; false when the stream no longer accepts events (ended, failed or returned). */
  push(event: T): boolean;
  /** No more events: what is queued is still delivered, then the iterator is done. */
  end(): void;
  readonly iterator: AsyncIterableIterator<T> & DirectDelivery<T>;
  readonly stats: Readonly<EventStreamStats>;
}

/** Takes one event now (true), or declines it (false: it then goes to the iterator's consumer, and so do later ones). */
export type DirectSink<T> = (event: T) => boolean;

/** The iterator method that attaches a direct sink (see above); on iterators that offer it. */
export const DIRECT_DELIVERY = Symbol('directDelivery');

export interface DirectDelivery<T> {
  /** `prepare` is told of each event as it is queued (e.g. to start making what the sink will send). */
  [DIRECT_DELIVERY](sink: DirectSink<T>, prepare?: (event: T) => void): void;
}

export const hasDirectDelivery = <T>(v: unknown): v is DirectDelivery<T> => typeof (v as Partial<DirectDelivery<T>> | null)?.[DIRECT_DELIVERY] === 'function';

export const SLOW_SUBSCRIBER = 'SLOW_SUBSCRIBER';
/**
 * Proposed WebSocket close code for a socket whose subscriber fell behind. Private range; not one of graphql-ws's own
 * codes (4400/4401/4403/4406/4408/4409/4429/4499/4500/4504), and not fatal to the graphql-ws client, so a client with
 * retries reconnects and resubscribes by itself. Mirrors HTTP 413: the backlog grew too large.
 */
export const SLOW_SUBSCRIBER_CLOSE_CODE = 4413;

export class SubscriberOverflowError extends Error {
  /** GraphQL's error formatting copies an original error's extensions: the client sees `extensions.code`. */
  readonly extensions = { code: SLOW_SUBSCRIBER };

  constructor(message: string) {
    super(message);
    this.name = 'SubscriberOverflowError';
  }
}

const DEFAULT_CAPACITY = 256;

interface Node<T> {
  value: T;
  key: string | undefined;
  droppable: boolean;
  prev: Node<T> | undefined;
  next: Node<T> | undefined;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(err: unknown): void;
}

export function createEventStream<T>(options: EventStreamOptions<T> = {}): EventStream<T> {
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`createEventStream: bad capacity ${capacity}`);
  const { coalesceKey, droppable, counters, wake } = options;

  // A doubly linked list: coalescing and eviction unlink from the middle in O(1), leaving nothing behind.
  let head: Node<T> | undefined;
  let tail: Node<T> | undefined;
  const byKey = new Map<string, Node<T>>();
  let droppableQueued = 0;
  const waiters: Waiter<T>[] = [];
  /** open → (ending →) done; open → failed → done. */
  let state: 'open' | 'ending' | 'failed' | 'done' = 'open';
  let failure: SubscriberOverflowError | undefined;
  let closeNotified = false;
  let wakePending = false;
  let direct: DirectSink<T> | undefined;
  let prepare: ((event: T) => void) | undefined;
  const stats: EventStreamStats = { pushed: 0, delivered: 0, coalesced: 0, dropped: 0, queued: 0, highWater: 0 };

  const unlink = (n: Node<T>) => {
    if (n.prev) n.prev.next = n.next;
    else head = n.next;
    if (n.next) n.next.prev = n.prev;
    else tail = n.prev;
    n.prev = n.next = undefined;
    if (n.key !== undefined && byKey.get(n.key) === n) byKey.delete(n.key);
    if (n.droppable) droppableQueued--;
    stats.queued--;
  };

  const append = (n: Node<T>) => {
    n.prev = tail;
    if (tail) tail.next = n;
    else head = n;
    tail = n;
    if (n.key !== undefined) byKey.set(n.key, n);
    if (n.droppable) droppableQueued++;
    if (++stats.queued > stats.highWater) stats.highWater = stats.queued;
  };

  const clear = () => {
    head = tail = undefined;
    byKey.clear();
    droppableQueued = 0;
    stats.queued = 0;
  };

  const notifyClose = (cause: StreamCloseCause) => {
    if (closeNotified) return;
    closeNotified = true;
    options.onClose?.(cause);
  };

  const finishWaiters = () => {
    for (const w of waiters.splice(0)) w.resolve({ value: undefined, done: true });
  };

  const countDelivered = () => {
    stats.delivered++;
    counters?.delivered();
  };

  const countDropped = () => {
    stats.dropped++;
    counters?.dropped();
  };

  const overflow = () => {
    state = 'failed';
    const overflowInfo: StreamOverflow = {
      code: SLOW_SUBSCRIBER,
      message: `subscriber fell ${capacity} events behind; resubscribe`,
      capacity,
    };
    failure = new SubscriberOverflowError(overflowInfo.message);
    clear();
    if (waiters.length > 0) {
      // A consumer waiting for a wake-up gets the failure now (once), like next() would.
      state = 'done';
      for (const w of waiters.splice(0)) w.reject(failure);
    }
    counters?.overflowed();
    options.onOverflow?.(overflowInfo);
    notifyClose('overflow');
  };

  /** Queued events to waiting consumers, in order; an ending stream that ran dry is done. */
  const handOver = () => {
    wakePending = false;
    // A waiting consumer has nothing in flight, so what the sink takes now cannot overtake what it was handed before.
    while (direct && head && waiters.length > 0 && direct(head.value)) {
      unlink(head);
      countDelivered();
    }
    while (head && waiters.length > 0) {
      const n = head;
      unlink(n);
      countDelivered();
      waiters.shift()!.resolve({ value: n.value, done: false });
    }
    if (!head && state === 'ending') {
      state = 'done';
      finishWaiters();
    }
  };

  const push = (event: T): boolean => {
    if (state !== 'open') return false;
    stats.pushed++;
    if (waiters.length > 0 && !wake) {
      // A waiting consumer means the queue is empty: hand over directly.
      countDelivered();
      waiters.shift()!.resolve({ value: event, done: false });
      return true;
    }
    const key = coalesceKey?.(event);
    if (key !== undefined) {
      const old = byKey.get(key);
      if (old) {
        unlink(old);
        stats.coalesced++;
        counters?.coalesced();
      }
    }
    const node: Node<T> = { value: event, key, droppable: droppable?.(event) ?? false, prev: undefined, next: undefined };
    if (stats.queued >= capacity) {
      let victim = head;
      if (droppableQueued > 0) while (victim && !victim.droppable) victim = victim.next;
      else victim = undefined;
      if (victim) {
        unlink(victim);
        countDropped();
      } else if (node.droppable) {
        countDropped();
        return true;
      } else {
        overflow();
        return false;
      }
    }
    append(node);
    prepare?.(event);
    if (waiters.length > 0 && !wakePending) {
      wakePending = true;
      wake!(handOver);
    }
    return true;
  };

  const end = () => {
    if (state !== 'open') return;
    state = 'ending';
    notifyClose('end');
    if (!head) {
      state = 'done';
      finishWaiters();
    }
  };

  const iterator: AsyncIterableIterator<T> & DirectDelivery<T> = {
    next(): Promise<IteratorResult<T>> {
      const n = waiters.length === 0 ? head : undefined; // earlier waiters first
      if (n) {
        unlink(n);
        countDelivered();
        if (!head && state === 'ending') state = 'done';
        return Promise.resolve({ value: n.value, done: false });
      }
      if (state === 'failed') {
        state = 'done';
        return Promise.reject(failure);
      }
      if (state === 'done' || (state === 'ending' && !head)) {
        state = 'done';
        return Promise.resolve({ value: undefined, done: true });
      }
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    return(): Promise<IteratorResult<T>> {
      const wasOpen = state === 'open';
      state = 'done';
      failure = undefined;
      clear();
      finishWaiters();
      if (wasOpen) notifyClose('return');
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    [DIRECT_DELIVERY](sink, prepareEvent) {
      direct = sink;
      prepare = prepareEvent;
    },
  };

  return { push, end, iterator, stats };
}
