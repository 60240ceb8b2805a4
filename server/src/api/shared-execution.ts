/**
 * Subscriptions that share one execution per event among the subscribers who would get the same payload.
 *
 * graphql's subscribe() executes the selection set once per event per subscriber: at 500 subscribers and 200 events/s
 * that was most of the server's fan-out work (an execution context and variable coercion per event, the resolvers,
 * scalar serialization, two signed snapshot URLs). The event bus hands the same event object to every subscriber, so
 * the result can be kept per event: subscribers share it when they have
 * - the same viewer (the token: signed media URLs and the camera scope depend on it, nothing else in the context does);
 * - the same document and operation, and the same values of the variables used anywhere but in the root field's own
 *   arguments.
 * The root field's arguments are left out of the key because a subscription field's arguments choose WHICH events a
 * subscriber gets (in its `subscribe`); they never change what an event looks like (the Subscription resolvers in
 * ./schema keep to that). So subscribers of one token with different filters still share one result.
 * A result is held per event object (WeakMap): it goes when the event goes.
 */
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type OperationDefinitionNode,
} from 'graphql';
import { DIRECT_DELIVERY, hasDirectDelivery, type DirectDelivery } from './subscription-stream.js';

type PromiseOrValue<T> = T | Promise<T>;
type Variables = Record<string, unknown> | null | undefined;

export interface SharedExecutionOptions {
  /** Who a context's results are for; contexts of the same viewer may share results. undefined: never share. */
  viewerOf(contextValue: unknown): string | undefined;
  /**
   * Root subscription fields whose results do not depend on the viewer once given `neutralContext`: they execute
   * once per event for all viewers (whose own filters and scope were applied in `subscribe`). Their resolvers may use
   * nothing of the context but what neutralContext holds (deferred media URLs, signed per viewer when sent).
   */
  viewerNeutral?: ReadonlySet<string>;
  neutralContext?: unknown;
}

export type SubscribeFn = (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult>;

/** A drop-in for graphql's subscribe() (graphql-ws's `subscribe` option). */
export function sharedSubscribe(options: SharedExecutionOptions): SubscribeFn {
  const results = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const found = subscriptionRoot(args.document, args.operationName);
    const payload = found && keyOf(args.document, found, args.operationName, args.variableValues);
    const neutral = payload !== undefined && options.viewerNeutral?.has(found!.root.name.value);
    // A viewer-neutral result gets the key of no viewer ('\u0000' cannot start a token id) and the neutral context.
    const viewer = neutral ? '\u0000' : options.viewerOf(args.contextValue);
    const key = payload !== undefined && viewer !== undefined ? `${viewer}\n${payload}` : undefined;
    const execArgs = neutral ? { ...args, contextValue: options.neutralContext } : args;
    const run = (event: unknown) => execute({ ...execArgs, rootValue: event });
    const shared = (event: unknown) => {
      if (key === undefined || typeof event !== 'object' || event === null) return run(event);
      let perEvent = results.get(event);
      if (!perEvent) results.set(event, (perEvent = new Map()));
      let result = perEvent.get(key);
      if (result === undefined) {
        const running = run(event);
        perEvent.set(key, (result = running));
        // Settled, the result itself stands in for its promise: later subscribers can take it synchronously (direct
        // delivery). type-graphql makes every resolver with arguments async (it validates them in an async function).
        if (isPromise(running)) running.then((r) => perEvent.set(key, r), () => undefined);
      }
      return result;
    };
    // Direct delivery only where a declined event's result is kept (shared): the iterator's way then reuses it.
    return mapEvents(source, shared, key !== undefined);
  };
}

/**
 * What a subscription's payload depends on besides the event and the viewer: the document, the operation, and the
 * variables used outside the root field's arguments. undefined when that cannot be told (no single root field).
 */
export function payloadKey(document: DocumentNode, operationName: string | null | undefined, variables: Variables): string | undefined {
  const found = subscriptionRoot(document, operationName);
  return found && keyOf(document, found, operationName, variables);
}

function keyOf(document: DocumentNode, { op, root }: { op: OperationDefinitionNode; root: FieldNode }, operationName: string | null | undefined, variables: Variables): string {
  const inRootArgs = new Map<string, number>();
  for (const arg of root.arguments ?? []) countVariables(arg, inRootArgs);
  const used = new Map<string, number>();
  countVariables(op.selectionSet, used);
  for (const d of op.directives ?? []) countVariables(d, used);
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) countVariables(def, used);
  const shaping = [...used.keys()].filter((name) => used.get(name)! > (inRootArgs.get(name) ?? 0)).sort();
  // [name] when absent, [name, value] when given: an absent variable takes its default, an explicit null does not.
  const values = shaping.map((name) => (variables && name in variables ? [name, variables[name]] : [name]));
  return `${document.loc?.source.body ?? print(document)}\n${operationName ?? ''}\n${JSON.stringify(values)}`;
}

/** A subscription operation and its root field, when it has exactly one. */
function subscriptionRoot(document: DocumentNode, operationName: string | null | undefined): { op: OperationDefinitionNode; root: FieldNode } | undefined {
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== 'subscription') return undefined;
  const [root, ...more] = op.selectionSet.selections;
  if (!root || more.length > 0 || root.kind !== Kind.FIELD) return undefined;
  return { op, root };
}

function countVariables(node: ASTNode, into: Map<string, number>): void {
  visit(node, {
    Variable(v) {
      into.set(v.name.value, (into.get(v.name.value) ?? 0) + 1);
    },
  });
}

/**
 * The source's events through `map`, one at a time; return() and throw() reach the source (it unsubscribes there).
 * Written with then() rather than async functions: one promise per event instead of four, for every subscriber.
 * With `direct`, a source's direct delivery (./subscription-stream.ts) is offered through `map` too: an event whose
 * result is not ready (a promise) or that map fails on is declined, and takes the iterator's way.
 */
function mapEvents<T, U>(source: AsyncIterable<T>, map: (event: T) => PromiseOrValue<U>, direct = false): AsyncGenerator<U, void, void> & Partial<DirectDelivery<U>> {
  const it = source[Symbol.asyncIterator]();
  const done: IteratorResult<U, void> = { value: undefined, done: true };
  const close = async () => {
    await it.return?.();
  };
  const failed = (err: unknown) => close().then(() => Promise.reject(err));
  const gen: AsyncGenerator<U, void, void> = {
    next() {
      return it.next().then((r): PromiseOrValue<IteratorResult<U, void>> => {
        if (r.done) return done;
        let mapped: PromiseOrValue<U>;
        try {
          mapped = map(r.value);
        } catch (err) {
          return failed(err);
        }
        return isPromise(mapped) ? mapped.then((value) => ({ value, done: false }), failed) : { value: mapped, done: false };
      });
    },
    async return() {
      await close();
      return done;
    },
    async throw(err: unknown) {
      await close();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return gen;
    },
  };
  if (!direct || !hasDirectDelivery<T>(it)) return gen;
  const mapped = (event: T): PromiseOrValue<U> | undefined => {
    try {
      return map(event);
    } catch {
      return undefined; // the iterator's way meets the error again and reports it
    }
  };
  return Object.assign(gen, {
    [DIRECT_DELIVERY](sink: (result: U) => boolean) {
      it[DIRECT_DELIVERY](
        (event) => {
          const result = mapped(event);
          return result !== undefined && !isPromise(result) && sink(result);
        },
        // Executing as the event is queued: an asynchronous execution has settled by the time its subscribers are
        // woken (a later turn), so they all take it directly.
        (event) => void mapped(event),
      );
    },
  });
}

const isPromise = <V>(v: PromiseOrValue<V>): v is Promise<V> => typeof (v as { then?: unknown })?.then === 'function';
