/**
 * Who may do what: a fixed matrix of roles × actions plus camera scopes. Pure: the caller resolves the token to a
 * Principal and asks before acting (queries, mutations, subscriptions and the HTTP media routes alike).
 *
 * | action            | admin | operator              | viewer              | operations                                  |
 * |-------------------|-------|-----------------------|---------------------|---------------------------------------------|
 * | cameras.read      | yes   | yes                   | yes (scope)         | cameras, camera, cameraStatus               |
 * | cameras.write     | yes   | no                    | no                  | addCamera, updateCamera, removeCamera       |
 * | tracks.read       | yes   | yes                   | yes (scope)         | tracks, track                               |
 * | sightings.read    | yes   | yes                   | yes (scope)         | sightings                                   |
 * | events.subscribe  | yes   | yes                   | yes (scope)         | recognitionEvents, track, cameraStatus      |
 * | media.read        | yes   | yes                   | yes (scope)         | snapshots, live frames/streams (HTTP)       |
 * | alerts.read       | yes   | yes                   | yes (scope)         | alerts                                      |
 * | alerts.ack        | yes   | yes                   | no                  | acknowledgeAlert                            |
 * | identities.read   | yes   | yes                   | no                  | identities, identity (browsing the gallery) |
 * | identities.write  | yes   | no                    | no                  | enrollIdentity, addTemplates, rename, merge |
 * | identities.delete | yes   | no                    | no                  | deleteIdentity                              |
 * | enroll.fromTrack  | yes   | if operatorsMayEnroll | no                  | enrollFromTrack                             |
 * | rejectMatch       | yes   | yes                   | no                  | rejectMatch ("this is not X")               |
 * | search            | yes   | yes                   | if viewersMaySearch | searchFaces                                 |
 * | wall.read         | yes   | yes                   | no                  | wall (layout, pins, operator presence)      |
 * | wall.write        | yes   | yes                   | no                  | layout and pin mutations                    |
 * | tokens.admin      | yes   | no                    | no                  | createApiToken, revokeApiToken, token lists |
 * | audit.read        | yes   | no                    | no                  | auditLog                                    |
 *
 * Both flags default to false. A viewer sees identity names where they appear in its cameras' events and sightings,
 * but cannot browse the gallery, and cannot search by face unless allowed (a biometric search across everything the
 * system has seen is more than a read-only client of a few cameras needs). The wall is the operators' shared
 * workspace (with their presence), so viewers do not see it.
 *
 * Camera scope: an operator or viewer token may be limited to a list of cameras (null = all). Camera-bound actions
 * (cameras.read, tracks.read, sightings.read, events.subscribe, media.read, alerts.*, enroll.fromTrack, rejectMatch,
 * search results) must also pass `inScope` for the camera concerned, and list queries and subscriptions filter with
 * `scopeFilter`. Admin tokens are never scoped (the token store refuses it), so a scope never hides anything from an
 * admin.
 */
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import type { Role } from './tokens.js';

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Cameras this token may see; null = all cameras. */
  cameraScope: readonly string[] | null;
}

export interface PolicyOptions {
  /** Operators may enroll people from a live track (config; default false). */
  operatorsMayEnroll: boolean;
  /** Viewers may run searchFaces (config; default false). */
  viewersMaySearch: boolean;
}

export const DEFAULT_POLICY: Readonly<PolicyOptions> = { operatorsMayEnroll: false, viewersMaySearch: false };

type Grant = boolean | keyof PolicyOptions;

/** [admin, operator, viewer] grants and how a refusal reads ("may not …"). */
const MATRIX = {
  'cameras.read': [[true, true, true], 'read cameras'],
  'cameras.write': [[true, false, false], 'add, change or remove cameras'],
  'tracks.read': [[true, true, true], 'read tracks'],
  'sightings.read': [[true, true, true], 'read sightings'],
  'events.subscribe': [[true, true, true], 'subscribe to events'],
  'media.read': [[true, true, true], 'view camera media'],
  'alerts.read': [[true, true, true], 'read alerts'],
  'alerts.ack': [[true, true, false], 'acknowledge alerts'],
  'identities.read': [[true, true, false], 'browse identities'],
  'identities.write': [[true, false, false], 'enroll, rename or merge identities'],
  'identities.delete': [[true, false, false], 'delete identities'],
  'enroll.fromTrack': [[true, 'operatorsMayEnroll', false], 'enroll from a track'],
  rejectMatch: [[true, true, false], 'reject matches'],
  search: [[true, true, 'viewersMaySearch'], 'search faces'],
  'wall.read': [[true, true, false], 'see the wall'],
  'wall.write': [[true, true, false], 'change the wall'],
  'tokens.admin': [[true, false, false], 'manage API tokens'],
  'audit.read': [[true, false, false], 'read the audit log'],
} as const satisfies Record<string, readonly [readonly [Grant, Grant, Grant], string]>;

export type Action = keyof typeof MATRIX;
export const ACTIONS = Object.keys(MATRIX) as Action[];

const ROLE_COLUMN: Record<Role, 0 | 1 | 2> = { admin: 0, operator: 1, viewer: 2 };

/** Whether the role allows the action (camera scope is checked separately with `inScope`). */
export function can(principal: Principal, action: Action, options: Readonly<PolicyOptions> = DEFAULT_POLICY): boolean {
  const grant: Grant = MATRIX[action][0][ROLE_COLUMN[principal.role]];
  return typeof grant === 'boolean' ? grant : options[grant];
}

/** The principal, if it may do the action; otherwise UnauthenticatedError (no principal) or ForbiddenError. */
export function authorize(principal: Principal | null | undefined, action: Action, options: Readonly<PolicyOptions> = DEFAULT_POLICY): Principal {
  if (!principal) throw new UnauthenticatedError();
  if (!can(principal, action, options)) throw new ForbiddenError(`${article(principal.role)} token may not ${MATRIX[action][1]}`);
  return principal;
}

export function inScope(principal: Principal, cameraId: string): boolean {
  return principal.cameraScope === null || principal.cameraScope.includes(cameraId);
}

/** Refuses a camera outside the token's scope. The message does not confirm that the camera exists. */
export function assertInScope(principal: Principal, cameraId: string): void {
  if (!inScope(principal, cameraId)) throw new ForbiddenError(`this token's camera scope does not include camera "${cameraId}"`);
}

/**
 * The cameras a query or subscription may cover: the requested list (or all when absent) intersected with the
 * scope. null = no restriction (all cameras); [] = nothing.
 */
export function scopeFilter(principal: Principal, cameraIds?: readonly string[] | null): string[] | null {
  const requested = cameraIds ? [...new Set(cameraIds)] : null;
  if (principal.cameraScope === null) return requested;
  if (requested === null) return [...principal.cameraScope];
  const scope = new Set(principal.cameraScope);
  return requested.filter((id) => scope.has(id));
}

/** The principal of a stored token. */
export function principalOf(token: { id: string; name: string; role: Role; cameraScope: readonly string[] | null }): Principal {
  return { tokenId: token.id, name: token.name, role: token.role, cameraScope: token.cameraScope };
}

const article = (role: Role) => (role === 'admin' || role === 'operator' ? 'an' : 'a') + ` ${role}`;
