import type { EventBus, Unsubscribe } from './event-bus.js';

/** One process: publish delivers to every current subscriber of the topic; a throwing handler does not stop the others. */
export class InProcessBus<Topics extends object> implements EventBus<Topics> {
  private readonly handlers = new Map<string, Set<(payload: never) => void>>();
  private closed = false;

  constructor(private readonly onHandlerError: (topic: string, err: unknown) => void = (topic, err) => console.error(`bus: ${topic} handler failed:`, err)) {}

  publish<K extends keyof Topics & string>(topic: K, payload: Topics[K]): void {
    if (this.closed) return;
    const set = this.handlers.get(topic);
    if (!set) return;
    // A copy: handlers may unsubscribe (or subscribe others) while being called.
    for (const h of [...set]) {
      try {
        (h as (p: Topics[K]) => void)(payload);
      } catch (err) {
        this.onHandlerError(topic, err);
      }
    }
  }

  subscribe<K extends keyof Topics & string>(topic: K, handler: (payload: Topics[K]) => void): Unsubscribe {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    const h = handler as (payload: never) => void;
    set.add(h);
    return () => {
      set.delete(h);
      if (set.size === 0 && this.handlers.get(topic) === set) this.handlers.delete(topic);
    };
  }

  subscriberCount(topic: keyof Topics & string): number {
    return this.handlers.get(topic)?.size ?? 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.clear();
  }
}
