/**
 * The event-bus port: topics with typed payloads, fire-and-forget publish, synchronous handler delivery. Adapters:
 * in-process (default, in-process-bus.ts); a Redis adapter lets several server replicas share events. Handlers run on
 * the publisher's turn and must only enqueue (subscription buffers do that): a slow handler would stall the pipeline.
 */
export type Unsubscribe = () => void;

export interface EventBus<Topics extends object> {
  publish<K extends keyof Topics & string>(topic: K, payload: Topics[K]): void;
  subscribe<K extends keyof Topics & string>(topic: K, handler: (payload: Topics[K]) => void): Unsubscribe;
  close(): Promise<void>;
}
