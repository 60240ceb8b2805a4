/**
 * Query limits as a graphql-js validation rule: maximum depth, maximum number of field selections, and a complexity
 * estimate, all measured with fragments expanded (each fragment measured once and memoized, so fragment fan-out
 * cannot make the check itself expensive; fragment cycles count as nothing here and are reported by graphql-js's own
 * NoFragmentCyclesRule).
 *
 * - depth: a root field is depth 1, its sub-fields 2, and so on.
 * - fields: every field selection (aliases and __typename included) after expanding fragments.
 * - complexity: each field costs 1; a list field multiplies the cost of its selection by its `first`/`last`/`limit`
 *   argument, or by `defaultListSize` without one. A size argument on a non-list field (a connection) sizes the list
 *   fields directly beneath it. Sizes given as variables use the variables when known (`checkQueryLimits`), else the
 *   variable's default value, else `defaultListSize`: resolvers must still clamp page sizes.
 * - Introspection: its fields count like any other, but an operation that selects only __schema / __type /
 *   __typename may reach the cost of graphql-js's standard introspection query (every option on), so GraphiQL,
 *   Apollo Sandbox and code generators work while deeper introspection recursion is still refused (graphql-js 16.15's
 *   own MaxIntrospectionDepthRule, in `specifiedRules`, also refuses __Type.fields nested in __Type.fields).
 *
 * Violations are GraphQLErrors with `extensions.code` = 'QUERY_TOO_COMPLEX' (distinct from BAD_USER_INPUT: the query
 * shape, not a value, is the problem) plus `limit` and `actual`. Apollo Server wraps validation errors with code
 * GRAPHQL_VALIDATION_FAILED and keeps ours as `originalError`.
 */
import {
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  parse,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  validate,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';

export interface QueryLimits {
  maxDepth: number;
  maxFields: number;
  maxComplexity: number;
  /** Assumed length of a list field without a size argument. */
  defaultListSize: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = { maxDepth: 10, maxFields: 200, maxComplexity: 5000, defaultListSize: 10 };

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

export interface OperationCost {
  depth: number;
  fields: number;
  complexity: number;
}

const SIZE_ARGS = new Set(['first', 'last', 'limit']);
const INTROSPECTION_ROOTS = new Set(['__schema', '__type', '__typename']);
const ZERO: OperationCost = { depth: 0, fields: 0, complexity: 0 };

type Variables = Readonly<Record<string, unknown>> | undefined;

/** Measures one operation of a document (fragments expanded). */
export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  options: { variables?: Variables; defaultListSize?: number } = {},
): OperationCost {
  const defaultListSize = options.defaultListSize ?? DEFAULT_QUERY_LIMITS.defaultListSize;
  const variableDefaults = new Map<string, unknown>();
  for (const d of operation.variableDefinitions ?? []) if (d.defaultValue) variableDefaults.set(d.variable.name.value, valueFromASTUntyped(d.defaultValue));
  const memo = new Map<string, OperationCost>();
  const visiting = new Set<string>();

  const sizeOf = (field: FieldNode): number | undefined => {
    for (const arg of field.arguments ?? []) {
      if (!SIZE_ARGS.has(arg.name.value)) continue;
      const v =
        arg.value.kind === Kind.VARIABLE
          ? (options.variables?.[arg.value.name.value] ?? variableDefaults.get(arg.value.name.value))
          : valueFromASTUntyped(arg.value);
      if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, v);
    }
    return undefined;
  };

  const fieldDef = (parent: GraphQLCompositeType | undefined, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (name === '__typename') return TypeNameMetaFieldDef;
    if (parent && parent === schema.getQueryType()) {
      if (name === '__schema') return SchemaMetaFieldDef;
      if (name === '__type') return TypeMetaFieldDef;
    }
    return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
  };

  const typeNamed = (name: string | undefined, fallback: GraphQLCompositeType | undefined) => {
    if (!name) return fallback;
    const t = schema.getType(name);
    return t && isCompositeType(t) ? t : undefined;
  };

  /** `pending`: a size argument of the (non-list) parent field, for the list fields of this selection. */
  const measureSet = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined, pending: number | undefined): OperationCost => {
    let depth = 0;
    let fields = 0;
    let complexity = 0;
    const add = (c: OperationCost) => {
      depth = Math.max(depth, c.depth);
      fields += c.fields;
      complexity += c.complexity;
    };
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = fieldDef(parent, sel.name.value);
        let child = ZERO;
        let multiplier = 1;
        if (sel.selectionSet) {
          const type = def && getNullableType(def.type);
          const size = sizeOf(sel);
          const named = def && getNamedType(def.type);
          const childType = named && isCompositeType(named) ? named : undefined;
          if (type && isListType(type)) {
            multiplier = size ?? pending ?? defaultListSize;
            child = measureSet(sel.selectionSet, childType, undefined);
          } else child = measureSet(sel.selectionSet, childType, size);
        }
        add({ depth: child.depth + 1, fields: child.fields + 1, complexity: 1 + multiplier * child.complexity });
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        add(measureSet(sel.selectionSet, typeNamed(sel.typeCondition?.name.value, parent), pending));
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        const key = `${name}\u0000${pending ?? ''}`;
        let cost = memo.get(key);
        if (!cost) {
          visiting.add(name);
          cost = measureSet(fragment.selectionSet, typeNamed(fragment.typeCondition.name.value, undefined), pending);
          visiting.delete(name);
          memo.set(key, cost);
        }
        add(cost);
      }
    }
    return { depth, fields, complexity };
  };

  const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return measureSet(operation.selectionSet, root ?? undefined, undefined);
}

/** Whether the operation selects only introspection fields at its root. */
function introspectionOnly(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): boolean {
  const seen = new Set<string>();
  const check = (set: SelectionSetNode): boolean =>
    set.selections.every((sel) => {
      if (sel.kind === Kind.FIELD) return INTROSPECTION_ROOTS.has(sel.name.value);
      if (sel.kind === Kind.INLINE_FRAGMENT) return check(sel.selectionSet);
      const f = fragments.get(sel.name.value);
      if (!f || seen.has(f.name.value)) return true;
      seen.add(f.name.value);
      return check(f.selectionSet);
    });
  return operation.operation === 'query' && check(operation.selectionSet);
}

/** What graphql-js's standard introspection query (every option on) costs in this schema, computed once per schema. */
const introspectionCosts = new WeakMap<GraphQLSchema, OperationCost>();
function introspectionAllowance(schema: GraphQLSchema, defaultListSize: number): OperationCost {
  let cost = introspectionCosts.get(schema);
  if (!cost) {
    const doc = parse(
      getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }),
    );
    const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
    const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
    cost = measureOperation(schema, op, fragments, { defaultListSize });
    introspectionCosts.set(schema, cost);
  }
  return cost;
}

export interface QueryLimitsRuleOptions {
  limits?: Partial<QueryLimits>;
  /** Request variables, when known, so that `first: $n` counts as its real value. */
  variables?: Variables;
  /** Check only this operation (the one being executed); default: every operation of the document. */
  operationName?: string | null;
}

/** A validation rule enforcing the limits (for Apollo's `validationRules` and graphql-ws `onSubscribe`). */
export function queryLimitsRule(options: QueryLimitsRuleOptions = {}): ValidationRule {
  const limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  return (context) => ({
    Document(doc) {
      const schema = context.getSchema();
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
      for (const op of doc.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        if (options.operationName && op.name?.value !== options.operationName) continue;
        const cost = measureOperation(schema, op, fragments, { variables: options.variables, defaultListSize: limits.defaultListSize });
        const allowed = { ...limits };
        if (introspectionOnly(op, fragments)) {
          const intro = introspectionAllowance(schema, limits.defaultListSize);
          allowed.maxDepth = Math.max(allowed.maxDepth, intro.depth);
          allowed.maxFields = Math.max(allowed.maxFields, intro.fields);
          allowed.maxComplexity = Math.max(allowed.maxComplexity, intro.complexity);
        }
        const what = op.name ? `operation "${op.name.value}"` : 'the query';
        const report = (message: string, limit: number, actual: number) =>
          context.reportError(new GraphQLError(message, { nodes: [op], extensions: { code: QUERY_TOO_COMPLEX, limit, actual: Math.min(actual, Number.MAX_SAFE_INTEGER) } }));
        if (cost.depth > allowed.maxDepth) report(`${what} is nested ${cost.depth} levels deep; the limit is ${allowed.maxDepth}`, allowed.maxDepth, cost.depth);
        if (cost.fields > allowed.maxFields) {
          report(`${what} selects ${cost.fields} fields (aliases and fragments expanded); the limit is ${allowed.maxFields}`, allowed.maxFields, cost.fields);
        }
        if (cost.complexity > allowed.maxComplexity) {
          const shown = Number.isFinite(cost.complexity) && cost.complexity <= Number.MAX_SAFE_INTEGER ? String(cost.complexity) : 'beyond measure';
          report(
            `${what} has an estimated cost of ${shown}; the limit is ${allowed.maxComplexity} (each field costs 1, list fields multiply by first/limit, ${limits.defaultListSize} without): ask for fewer items or fewer nested lists`,
            allowed.maxComplexity,
            cost.complexity,
          );
        }
      }
      return false; // everything needed was read from the document itself
    },
  });
}

/** The limit violations of a request, variables known (e.g. in Apollo's didResolveOperation or graphql-ws onSubscribe). */
export function checkQueryLimits(schema: GraphQLSchema, document: DocumentNode, options: QueryLimitsRuleOptions = {}): readonly GraphQLError[] {
  return validate(schema, document, [queryLimitsRule(options)]);
}
