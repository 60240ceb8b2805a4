import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AdminResolver } from './admin-resolver.js';
import { CameraResolver } from './camera-resolver.js';
import { IdentityResolver } from './identity-resolver.js';
import { SightingResolver } from './sighting-resolver.js';
import { TrackResolver } from './track-resolver.js';
import { WallResolver } from './wall-resolver.js';

let built: Promise<GraphQLSchema> | undefined;

/** The BoostFace GraphQL schema (built once per process: type-graphql keeps global metadata). */
export function boostfaceSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [AdminResolver, CameraResolver, TrackResolver, IdentityResolver, SightingResolver, WallResolver],
    validate: false,
    // Every subscription has its own `subscribe` over the event bus (bounded per-subscriber streams): type-graphql
    // only insists that a PubSub exists.
    pubSub: {
      publish: () => {
        throw new Error('BoostFace publishes on its event bus, not through type-graphql');
      },
      subscribe: () => {
        throw new Error('BoostFace subscriptions subscribe through the event bus');
      },
    },
  });
  return built;
}

/** The SDL as committed in schema/schema.graphql: sorted, so diffs show real changes only. */
export async function schemaSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await boostfaceSchema()))}\n`;
}
