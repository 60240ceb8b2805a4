import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DateTime, IdentityRef, Snapshot } from './types.js';

@ObjectType()
export class Operator {
  @Field(() => ID) tokenId!: string;
  @Field(() => String) name!: string;
  @Field(() => String) role!: string;
  @Field(() => DateTime) since!: Date;
}

@ObjectType({ description: 'The shared wall: what every operator sees, and who is watching.' })
export class Wall {
  @Field(() => Int, { description: 'Bumped by every change; pass it back as expectedVersion for compare-and-set.' }) version!: number;
  @Field(() => Int) grid!: number;
  @Field(() => [ID], { nullable: 'items', description: 'Camera per tile; null = empty tile.' }) tiles!: (string | null)[];
  @Field(() => [Int]) pinned!: number[];
  @Field(() => Int, { nullable: true }) focused!: number | null;
  @Field(() => DateTime, { nullable: true }) updatedAt!: Date | null;
  @Field(() => String, { nullable: true }) updatedBy!: string | null;
  @Field(() => [Operator]) operators!: Operator[];
}

@InputType()
export class WallLayoutInput {
  @Field(() => Int, { description: '1, 4, 9 or 16' }) grid!: number;
  @Field(() => [ID], { nullable: 'itemsAndList' }) tiles?: (string | null)[] | null;
}

@ObjectType()
export class Alert {
  @Field(() => ID) id!: string;
  @Field(() => DateTime) at!: Date;
  @Field(() => String, { description: 'watchlist or unknown' }) kind!: string;
  @Field(() => ID) cameraId!: string;
  @Field(() => ID, { nullable: true }) trackId!: string | null;
  @Field(() => IdentityRef, { nullable: true }) identity!: IdentityRef | null;
  @Field(() => String) label!: string;
  @Field(() => String, { nullable: true }) rule!: string | null;
  @Field(() => Snapshot, { nullable: true }) snapshot?: Snapshot;
  @Field(() => DateTime, { nullable: true }) acknowledgedAt!: Date | null;
  @Field(() => String, { nullable: true }) acknowledgedBy!: string | null;
}
