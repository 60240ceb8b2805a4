/**
 * GraphQL object and input types (type-graphql). Every field names its type explicitly, so the schema does not
 * depend on decorator metadata emitted by a particular compiler. Times are DateTime (ISO 8601) scalars; boxes are
 * [x1, y1, x2, y2] in the camera frame's pixels.
 */
import 'reflect-metadata';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum TrackEventKind {
  STARTED = 'started',
  UPDATED = 'updated',
  IDENTIFIED = 'identified',
  ENDED = 'ended',
}
registerEnumType(TrackEventKind, { name: 'TrackEventKind', description: 'Lifecycle of a face track.' });

export enum Role {
  ADMIN = 'admin',
  OPERATOR = 'operator',
  VIEWER = 'viewer',
}
registerEnumType(Role, { name: 'Role' });

export enum CameraState {
  STARTING = 'starting',
  LIVE = 'live',
  RECONNECTING = 'reconnecting',
  ENDED = 'ended',
  STOPPED = 'stopped',
  FAILED = 'failed',
}
registerEnumType(CameraState, { name: 'CameraState', description: 'Health of a camera source.' });

export const DateTime = DateTimeResolver;
export const JSONScalar = JSONResolver;

@ObjectType({ description: 'Who is calling: the API token in use.' })
export class Me {
  @Field(() => ID) tokenId!: string;
  @Field(() => String) name!: string;
  @Field(() => Role) role!: Role;
  @Field(() => [ID], { nullable: true, description: 'Cameras this token may see; null = all.' }) cameraScope!: string[] | null;
}

@ObjectType()
export class CameraHealth {
  @Field(() => CameraState) state!: CameraState;
  @Field(() => DateTime) since!: Date;
  @Field(() => String, { nullable: true }) lastError?: string;
  @Field(() => Int) framesReceived!: number;
  @Field(() => Int) reconnects!: number;
  @Field(() => DateTime, { nullable: true }) lastFrameAt?: Date;
  @Field(() => DateTime, { nullable: true }) nextRetryAt?: Date;
  @Field(() => Int, { nullable: true }) width?: number;
  @Field(() => Int, { nullable: true }) height?: number;
  @Field(() => Float, { nullable: true }) fps?: number;
}

@ObjectType()
export class CameraStats {
  @Field(() => Int) framesOffered!: number;
  @Field(() => Int) framesProcessed!: number;
  @Field(() => Int, { description: 'Frames replaced by a newer one before detection (detection slower than the stream).' }) framesDropped!: number;
  @Field(() => Int, { description: 'Frames skipped by the detect-fps cap.' }) framesSkipped!: number;
}

@ObjectType()
export class Camera {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Source URL, credentials hidden.' }) url!: string;
  @Field(() => String) kind!: string;
  @Field(() => Int, { nullable: true }) width?: number;
  @Field(() => Int, { nullable: true }) height?: number;
  @Field(() => Float, { nullable: true }) fps?: number;
  @Field(() => Float, { nullable: true }) detectFps?: number;
  @Field(() => Boolean) loop!: boolean;
  @Field(() => Boolean) realtime!: boolean;
  @Field(() => Boolean) enabled!: boolean;
  @Field(() => CameraHealth) health!: CameraHealth;
  @Field(() => CameraStats, { nullable: true }) stats?: CameraStats;
  @Field(() => String, { description: 'Live MJPEG stream (authenticated, signed URL); each part carries X-Frame-Seq, the frame number used in track events.' })
  streamUrl!: string;
  @Field(() => String, { description: 'The latest frame as JPEG (signed URL), with X-Frame-Seq.' }) frameUrl!: string;
}

@InputType()
export class CameraInput {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) url!: string;
  @Field(() => String, { nullable: true }) kind?: string;
  @Field(() => Int, { nullable: true }) width?: number;
  @Field(() => Int, { nullable: true }) height?: number;
  @Field(() => Float, { nullable: true }) fps?: number;
  @Field(() => Float, { nullable: true }) detectFps?: number;
  @Field(() => Boolean, { nullable: true }) loop?: boolean;
  @Field(() => Boolean, { nullable: true }) realtime?: boolean;
  @Field(() => String, { nullable: true }) rtspTransport?: string;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean;
  @Field(() => Int, { nullable: true }) stallTimeoutMs?: number;
}

@InputType({ description: 'Fields to change; null removes an optional setting.' })
export class CameraPatch {
  @Field(() => String, { nullable: true }) name?: string;
  @Field(() => String, { nullable: true }) url?: string;
  @Field(() => String, { nullable: true }) kind?: string;
  @Field(() => Int, { nullable: true }) width?: number | null;
  @Field(() => Int, { nullable: true }) height?: number | null;
  @Field(() => Float, { nullable: true }) fps?: number | null;
  @Field(() => Float, { nullable: true }) detectFps?: number | null;
  @Field(() => Boolean, { nullable: true }) loop?: boolean;
  @Field(() => Boolean, { nullable: true }) realtime?: boolean;
  @Field(() => String, { nullable: true }) rtspTransport?: string;
  @Field(() => Boolean, { nullable: true }) enabled?: boolean;
  @Field(() => Int, { nullable: true }) stallTimeoutMs?: number;
}

@ObjectType()
export class IdentityRef {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Float, { nullable: true }) score?: number;
}

@ObjectType()
export class Snapshot {
  @Field(() => String, { description: 'Aligned face crop (JPEG, signed URL).' }) faceUrl!: string;
  @Field(() => String, { description: 'The face in its surroundings (JPEG, signed URL).' }) contextUrl!: string;
}

@ObjectType({ description: 'A face track event. `frame` is the camera frame number the box belongs to; `ts` its capture time.' })
export class TrackEvent {
  @Field(() => TrackEventKind) kind!: TrackEventKind;
  @Field(() => ID) cameraId!: string;
  @Field(() => ID) trackId!: string;
  @Field(() => Int) frame!: number;
  @Field(() => DateTime) ts!: Date;
  @Field(() => [Float]) box!: number[];
  @Field(() => [[Float]]) landmarks!: number[][];
  @Field(() => IdentityRef, { nullable: true, description: 'null while unknown.' }) identity?: IdentityRef | null;
  @Field(() => Float, { nullable: true }) score?: number | null;
  @Field(() => String, { description: 'Name, or a stable anonymous label for strangers.' }) label!: string;
  @Field(() => Float) quality!: number;
  @Field(() => Snapshot, { nullable: true }) snapshot?: Snapshot;
}

@ObjectType()
export class Track {
  @Field(() => ID) id!: string;
  @Field(() => ID) cameraId!: string;
  @Field(() => String) state!: string;
  @Field(() => DateTime) startedAt!: Date;
  @Field(() => DateTime) lastSeenAt!: Date;
  @Field(() => Int) frame!: number;
  @Field(() => [Float]) box!: number[];
  @Field(() => IdentityRef, { nullable: true }) identity?: IdentityRef | null;
  @Field(() => Float, { nullable: true }) score?: number | null;
  @Field(() => String) label!: string;
  @Field(() => Float) quality!: number;
  @Field(() => Int) frames!: number;
  @Field(() => Int) embeddings!: number;
  @Field(() => Snapshot, { nullable: true }) snapshot?: Snapshot;
}

@ObjectType()
export class Identity {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String) notes!: string;
  @Field(() => [String]) tags!: string[];
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime) updatedAt!: Date;
  @Field(() => Int) templateCount!: number;
}

@ObjectType()
export class IdentityConnection {
  @Field(() => [Identity]) nodes!: Identity[];
  @Field(() => String, { nullable: true }) endCursor?: string;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@InputType()
export class IdentityFilter {
  @Field(() => String, { nullable: true, description: 'Case-insensitive part of the name.' }) name?: string;
  @Field(() => String, { nullable: true }) tag?: string;
}

@ObjectType()
export class EnrollImageResult {
  @Field(() => String, { description: 'Image index ("#1") or track face.' }) image!: string;
  @Field(() => String, { description: 'accepted or rejected' }) status!: string;
  @Field(() => String, { nullable: true, description: 'NO_FACE, MULTIPLE_FACES, TOO_SMALL, TOO_BLURRY, LOW_SCORE, EXTREME_POSE, DUPLICATE, COLLISION, BAD_IMAGE' })
  reason?: string;
  @Field(() => String, { nullable: true }) message?: string;
  @Field(() => ID, { nullable: true }) templateId?: string;
  @Field(() => Float, { nullable: true }) quality?: number;
  @Field(() => IdentityRef, { nullable: true, description: 'Another identity this face already matches.' }) collision?: IdentityRef;
}

@ObjectType()
export class EnrollResult {
  @Field(() => Identity, { nullable: true }) identity?: Identity | null;
  @Field(() => [EnrollImageResult]) results!: EnrollImageResult[];
}

@ObjectType()
export class DeleteIdentityResult {
  @Field(() => ID) id!: string;
  @Field(() => Int) templatesRemoved!: number;
  @Field(() => Int) sightingsRemoved!: number;
}

@ObjectType()
export class Sighting {
  @Field(() => ID) id!: string;
  @Field(() => ID) cameraId!: string;
  @Field(() => ID) trackId!: string;
  @Field(() => DateTime) startedAt!: Date;
  @Field(() => DateTime) endedAt!: Date;
  @Field(() => IdentityRef, { nullable: true }) identity?: IdentityRef | null;
  @Field(() => String) label!: string;
  @Field(() => Float, { nullable: true }) score?: number | null;
  @Field(() => Float) quality!: number;
  @Field(() => Int) frames!: number;
  @Field(() => Boolean) ended!: boolean;
  @Field(() => Snapshot, { nullable: true }) snapshot?: Snapshot;
}

@ObjectType()
export class SightingConnection {
  @Field(() => [Sighting]) nodes!: Sighting[];
  @Field(() => String, { nullable: true }) endCursor?: string;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType()
export class IdentityMatch {
  @Field(() => Identity) identity!: Identity;
  @Field(() => Float) score!: number;
  @Field(() => ID) templateId!: string;
}

@ObjectType()
export class SightingMatch {
  @Field(() => Sighting) sighting!: Sighting;
  @Field(() => Float) score!: number;
}

@ObjectType({ description: 'One face found in the searched image.' })
export class SearchedFace {
  @Field(() => [Float]) box!: number[];
  @Field(() => Float) detScore!: number;
  @Field(() => IdentityMatch, { nullable: true, description: 'The open-set decision: null = unknown.' }) match?: IdentityMatch | null;
  @Field(() => [IdentityMatch], { description: 'Gallery candidates, best first (also below the threshold).' }) candidates!: IdentityMatch[];
  @Field(() => [SightingMatch], { description: 'Past sightings of this face at or above the threshold, best first.' }) sightings!: SightingMatch[];
}

@ObjectType()
export class FaceSearchResult {
  @Field(() => [SearchedFace]) faces!: SearchedFace[];
  @Field(() => Float) threshold!: number;
}

@ObjectType()
export class ApiToken {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Role) role!: Role;
  @Field(() => [ID], { nullable: true }) cameraScope!: string[] | null;
  @Field(() => DateTime) createdAt!: Date;
  @Field(() => DateTime, { nullable: true }) lastUsedAt?: Date | null;
  @Field(() => DateTime, { nullable: true }) revokedAt?: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiToken) token!: ApiToken;
  @Field(() => String, { description: 'The secret: shown only this once, store it now.' }) secret!: string;
}

@ObjectType()
export class AuditEntry {
  @Field(() => ID) id!: string;
  @Field(() => DateTime) at!: Date;
  @Field(() => ID, { nullable: true }) actorId?: string | null;
  @Field(() => String, { nullable: true }) actorName?: string | null;
  @Field(() => String, { nullable: true }) role?: string | null;
  @Field(() => String) action!: string;
  @Field(() => String, { nullable: true }) target?: string | null;
  @Field(() => JSONScalar, { nullable: true }) details?: unknown;
  @Field(() => String) outcome!: string;
}

@ObjectType()
export class AuditConnection {
  @Field(() => [AuditEntry]) nodes!: AuditEntry[];
  @Field(() => String, { nullable: true }) endCursor?: string;
  @Field(() => Boolean) hasNextPage!: boolean;
}

@ObjectType()
export class CameraStatusEvent {
  @Field(() => ID) cameraId!: string;
  @Field(() => CameraHealth) health!: CameraHealth;
}
