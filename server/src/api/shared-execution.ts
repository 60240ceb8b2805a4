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
} from 'graphql';

type PromiseOrValue<T> = T | Promise<T>;

export interface SharedExecutionOptions {
  /** Who a context's results are for; contexts of the same viewer may share results. undefined: never share. */
  viewerOf(contextValue: unknown): string | undefined;
}

export type SubscribeFn = (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult, void, void> | ExecutionResult>;

/** A drop-in for graphql's subscribe() (graphql-ws's `subscribe` option). */
export function sharedSubscribe(options: SharedExecutionOptions): SubscribeFn {
  const results = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source;
    const payload = payloadKey(args.document, args.operationName, args.variableValues);
    const viewer = options.viewerOf(args.contextValue);
    const key = payload !== undefined && viewer !== undefined ? `${viewer}\n${payload}` : undefined;
    const run = (event: unknown) => execute({ ...args, rootValue: event });
    return mapEvents(source, (event) => {
      if (key === undefined || typeof event !== 'object' || event === null) return run(event);
      let perEvent = results.get(event);
      if (!perEvent) results.set(event, (perEvent = new Map()));
      let result = perEvent.get(key);
      if (result === undefined) perEvent.set(key, (result = run(event)));
      return result;
    });
  };
}

/**
 * What a subscription's payload depends on besides the event and the viewer: the document, the operation, and the
 * variables used outside the root field's arguments. undefined when that cannot be told (no single root field).
 */
export function payloadKey(document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): string | undefined {
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== 'subscription') return undefined;
  const [root, ...more] = op.selectionSet.selections;
  if (!root || more.length > 0 || root.kind !== Kind.FIELD) return undefined;
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

function countVariables(node: ASTNode, into: Map<string, number>): void {
  visit(node, {
    Variable(v) {
      into.set(v.name.value, (into.get(v.name.value) ?? 0) + 1);
    },
  });
}

/** The source's events through `map`, one at a time; return() and throw() reach the source (it unsubscribes there). */
function mapEvents<T, U>(source: AsyncIterable<T>, map: (event: T) => PromiseOrValue<U>): AsyncGenerator<U, void, void> {
  const it = source[Symbol.asyncIterator]();
  const close = async () => {
    await it.return?.();
  };
  const gen: AsyncGenerator<U, void, void> = {
    async next() {
      const r = await it.next();
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: await map(r.value), done: false };
      } catch (err) {
        await close();
        throw err;
      }
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(err: unknown) {
      await close();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return gen;
    },
  };
  return gen;
}
