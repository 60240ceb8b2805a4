import { buildSchema, getIntrospectionQuery, Kind, parse, specifiedRules, validate, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkQueryLimits, DEFAULT_QUERY_LIMITS, measureOperation, QUERY_TOO_COMPLEX, queryLimitsRule, type QueryLimitsRuleOptions } from './query-limits.js';

const schema = buildSchema(`
  type Query {
    cameras: [Camera!]!
    camera(id: ID!): Camera
    identities(first: Int, after: String): IdentityConnection!
    sightings(first: Int): [Sighting!]!
  }
  type Mutation { renameIdentity(id: ID!, name: String!): Identity! }
  type Camera { id: ID! name: String! tracks(limit: Int): [Track!]! }
  type Track { id: ID! camera: Camera! identity: Identity }
  type Identity { id: ID! name: String! tags: [String!]! sightings(first: Int): [Sighting!]! }
  type Sighting { id: ID! camera: Camera! identity: Identity }
  type IdentityConnection { items: [Identity!]! pageInfo: PageInfo! }
  type PageInfo { endCursor: String hasNextPage: Boolean! }
`);

const errorsOf = (query: string, options?: QueryLimitsRuleOptions) => validate(schema, parse(query), [...specifiedRules, queryLimitsRule(options)]);

function measure(query: string, variables?: Record<string, unknown>) {
  const doc = parse(query);
  const fragments = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return measureOperation(schema, op, fragments, { variables });
}

/** `{ camera(id: 1) { tracks { camera { tracks { … id } } } } }` with n levels of tracks/camera. */
function nested(levels: number): string {
  let inner = 'id';
  for (let i = 0; i < levels; i++) inner = `tracks(limit: 1) { camera { ${inner} } }`;
  return `{ camera(id: "1") { ${inner} } }`;
}

describe('measureOperation', () => {
  it('counts depth, fields and list-multiplied complexity', () => {
    expect(measure('{ cameras { id name } }')).toEqual({ depth: 2, fields: 3, complexity: 1 + 10 * 2 });
    expect(measure('{ camera(id: "1") { tracks(limit: 3) { id } } }')).toEqual({ depth: 3, fields: 3, complexity: 1 + (1 + 3 * 1) });
    // A connection's `first` sizes the list beneath it; scalar lists cost 1.
    expect(measure('{ identities(first: 50) { items { id tags } pageInfo { hasNextPage } } }')).toEqual({ depth: 3, fields: 6, complexity: 1 + (1 + 50 * 2) + (1 + 1) });
  });

  it('sizes lists from variables when known, else from variable defaults, else the default size', () => {
    const q = 'query Q($n: Int = 5, $m: Int) { identities(first: $n) { items { id } } sightings(first: $m) { id } }';
    expect(measure(q).complexity).toBe(1 + (1 + 5) + (1 + 10));
    expect(measure(q, { n: 100, m: 2 }).complexity).toBe(1 + (1 + 100) + (1 + 2));
  });

  it('expands fragments and inline fragments as if written out', () => {
    const withFragments = measure(`
      query { cameras { ...C } }
      fragment C on Camera { id ... on Camera { tracks { ...T } } }
      fragment T on Track { id identity { name } }`);
    expect(withFragments).toEqual(measure('{ cameras { id tracks { id identity { name } } } }'));
  });
});

describe('queryLimitsRule', () => {
  it('passes ordinary queries and mutations', () => {
    expect(errorsOf('{ cameras { id name tracks(limit: 5) { id identity { id name } } } identities(first: 20) { items { id name tags } pageInfo { endCursor hasNextPage } } }')).toEqual([]);
    expect(errorsOf('mutation { renameIdentity(id: "1", name: "Ann") { id name } }')).toEqual([]);
    expect(errorsOf(nested(4))).toEqual([]); // depth 10: at the limit
  });

  it('refuses a depth bomb', () => {
    const [err, ...more] = errorsOf(nested(5)); // depth 12
    expect(more.filter((e) => /nested/.test(e.message))).toEqual([]);
    expect(err.message).toBe('the query is nested 12 levels deep; the limit is 10');
    expect(err.extensions).toEqual({ code: QUERY_TOO_COMPLEX, limit: 10, actual: 12 });
  });

  it('refuses depth hidden in a chain of shallow fragments', () => {
    const fragments = Array.from({ length: 8 }, (_, i) => `fragment F${i} on Camera { tracks(limit: 1) { camera { ${i === 7 ? 'id' : `...F${i + 1}`} } } }`).join('\n');
    const errors = errorsOf(`query Deep { camera(id: "1") { ...F0 } }\n${fragments}`);
    expect(errors.map((e) => e.message)).toContain('operation "Deep" is nested 18 levels deep; the limit is 10');
  });

  it('refuses an alias bomb', () => {
    const aliases = Array.from({ length: 300 }, (_, i) => `a${i}: cameras { id }`).join(' ');
    const errors = errorsOf(`{ ${aliases} }`);
    expect(errors.map((e) => e.message)).toEqual(['the query selects 600 fields (aliases and fragments expanded); the limit is 200']);
    expect(errors[0].extensions).toEqual({ code: QUERY_TOO_COMPLEX, limit: 200, actual: 600 });
  });

  it('refuses a query whose lists multiply past the complexity limit, even with few fields', () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: cameras { tracks { id } }`).join(' ');
    const errors = errorsOf(`{ ${aliases} }`);
    expect(errors.map((e) => e.message)).toEqual([
      'the query has an estimated cost of 5550; the limit is 5000 (each field costs 1, list fields multiply by first/limit, 10 without): ask for fewer items or fewer nested lists',
    ]);
    expect(errorsOf('{ sightings(first: 100000) { id } }')[0].extensions).toMatchObject({ code: QUERY_TOO_COMPLEX, actual: 100001 });
  });

  it('measures exponential fragment fan-out without expanding it', () => {
    // F_i spreads F_{i-1} twice under different aliases: 2^40 fields if written out.
    const defs = ['fragment F0 on Camera { id }'];
    for (let i = 1; i <= 40; i++) defs.push(`fragment F${i} on Camera { a: tracks(limit: 1) { camera { ...F${i - 1} } } b: tracks(limit: 1) { camera { ...F${i - 1} } } }`);
    const started = performance.now();
    const errors = errorsOf(`{ camera(id: "1") { ...F40 } }\n${defs.join('\n')}`, { limits: { maxDepth: 1000 } });
    expect(performance.now() - started).toBeLessThan(500);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/selects \d+ fields/), expect.stringMatching(/estimated cost of/)]);
  });

  it('survives fragment cycles (graphql-js reports them)', () => {
    const errors = errorsOf('{ camera(id: "1") { ...A } } fragment A on Camera { tracks { camera { ...B } } } fragment B on Camera { tracks { camera { ...A } } }');
    expect(errors.some((e) => /Cannot spread fragment/.test(e.message))).toBe(true);
  });

  it('lets the standard introspection query through, but not deeper introspection recursion', () => {
    expect(errorsOf(getIntrospectionQuery())).toEqual([]);
    expect(errorsOf(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true }))).toEqual([]);
    expect(errorsOf('{ __typename }')).toEqual([]);
    // Depth 12: within the introspection allowance (the standard query is 15 deep), over the limit of 10.
    const typeRefs = '__schema { types { fields { args { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }';
    expect(errorsOf(`{ ${typeRefs} }`)).toEqual([]);
    // Mixed with ordinary fields, introspection gets no allowance.
    expect(errorsOf(`{ cameras { id } ${typeRefs} }`).map((e) => e.message)).toEqual([
      'the query is nested 12 levels deep; the limit is 10',
      expect.stringMatching(/^the query has an estimated cost of 8123; the limit is 5000 /),
    ]);
    // __Type.fields within __Type.fields: refused by our complexity estimate (and by graphql-js's own introspection depth rule).
    const bomb = '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }';
    expect(checkQueryLimits(schema, parse(bomb)).map((e) => e.message)).toEqual([expect.stringMatching(/^the query has an estimated cost of \d+; the limit is 51863 /)]);
    expect(errorsOf(bomb).map((e) => e.message)).toContain('Maximum introspection depth exceeded');
  });

  it('checks only the named operation, with its variables', () => {
    const doc = parse('query Small($n: Int) { sightings(first: $n) { id } } query Big { sightings(first: 9999) { id } }');
    expect(checkQueryLimits(schema, doc, { operationName: 'Small', variables: { n: 10 } })).toEqual([]);
    expect(checkQueryLimits(schema, doc, { operationName: 'Small', variables: { n: 9999 } })).toHaveLength(1);
    expect(checkQueryLimits(schema, doc, { operationName: 'Big' })).toHaveLength(1);
    expect(checkQueryLimits(schema, doc)).toHaveLength(1);
  });

  it('takes custom limits', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({ maxDepth: 10, maxFields: 200, maxComplexity: 5000, defaultListSize: 10 });
    expect(errorsOf('{ cameras { id } }', { limits: { maxDepth: 1 } })[0].message).toMatch(/nested 2 levels deep; the limit is 1/);
    expect(errorsOf('{ cameras { id } }', { limits: { maxFields: 1 } })[0].message).toMatch(/selects 2 fields/);
    expect(errorsOf('{ cameras { id name } }', { limits: { defaultListSize: 3000 } })[0].message).toMatch(/estimated cost of 6001;/);
  });
});
