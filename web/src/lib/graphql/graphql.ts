/**
 * Typed GraphQL documents: gql.tada infers each operation's result and variable types from the schema, through
 * graphql-env.d.ts (generated from schema/schema.graphql by `npm run generate -w web`; no other codegen step).
 */
import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.js';

export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown; ID: string };
  disableMasking: true;
}>();

export type { ResultOf, VariablesOf } from 'gql.tada';
