/** Every operation the app sends, in one place (typed by gql.tada from the schema). */
import { graphql, type ResultOf } from './graphql.js';

export const SnapshotFields = graphql(`
  fragment SnapshotFields on Snapshot {
    faceUrl
    contextUrl
  }
`);

export const CameraHealthFields = graphql(`
  fragment CameraHealthFields on CameraHealth {
    state
    fps
    width
    height
    framesReceived
    lastError
    lastFrameAt
    nextRetryAt
    reconnects
    since
  }
`);

export const CameraFields = graphql(
  `
    fragment CameraFields on Camera {
      id
      name
      kind
      url
      enabled
      realtime
      loop
      fps
      detectFps
      width
      height
      frameUrl
      streamUrl
      health {
        ...CameraHealthFields
      }
    }
  `,
  [CameraHealthFields],
);

export const TrackEventFields = graphql(
  `
    fragment TrackEventFields on TrackEvent {
      kind
      cameraId
      trackId
      frame
      ts
      box
      label
      quality
      score
      identity {
        id
        name
        score
      }
      snapshot {
        ...SnapshotFields
      }
    }
  `,
  [SnapshotFields],
);

export const AlertFields = graphql(
  `
    fragment AlertFields on Alert {
      id
      at
      kind
      cameraId
      trackId
      label
      rule
      identity {
        id
        name
        score
      }
      snapshot {
        ...SnapshotFields
      }
      acknowledgedAt
      acknowledgedBy
    }
  `,
  [SnapshotFields],
);

export const WallFields = graphql(`
  fragment WallFields on Wall {
    version
    grid
    tiles
    pinned
    focused
    updatedAt
    updatedBy
    operators {
      tokenId
      name
      role
      since
    }
  }
`);

export const IdentityFields = graphql(`
  fragment IdentityFields on Identity {
    id
    name
    notes
    tags
    templateCount
    createdAt
    updatedAt
  }
`);

export const SightingFields = graphql(
  `
    fragment SightingFields on Sighting {
      id
      cameraId
      trackId
      label
      startedAt
      endedAt
      ended
      frames
      quality
      score
      identity {
        id
        name
        score
      }
      snapshot {
        ...SnapshotFields
      }
    }
  `,
  [SnapshotFields],
);

export const EnrollResultFields = graphql(
  `
    fragment EnrollResultFields on EnrollResult {
      identity {
        ...IdentityFields
      }
      results {
        image
        status
        reason
        message
        quality
        templateId
        collision {
          id
          name
          score
        }
      }
    }
  `,
  [IdentityFields],
);

// --- queries

export const MeQuery = graphql(`
  query Me {
    me {
      tokenId
      name
      role
      cameraScope
    }
  }
`);

export const CamerasQuery = graphql(
  `
    query Cameras {
      cameras {
        ...CameraFields
        stats {
          framesOffered
          framesProcessed
          framesDropped
          framesSkipped
        }
      }
    }
  `,
  [CameraFields],
);

export const WallQuery = graphql(
  `
    query Wall {
      wall {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const TracksQuery = graphql(
  `
    query Tracks($cameraId: ID, $active: Boolean) {
      tracks(cameraId: $cameraId, active: $active) {
        id
        cameraId
        label
        frame
        box
        state
        score
        quality
        frames
        embeddings
        startedAt
        lastSeenAt
        identity {
          id
          name
          score
        }
        snapshot {
          ...SnapshotFields
        }
      }
    }
  `,
  [SnapshotFields],
);

export const AlertsQuery = graphql(
  `
    query Alerts($acknowledged: Boolean, $first: Int) {
      alerts(acknowledged: $acknowledged, first: $first) {
        ...AlertFields
      }
    }
  `,
  [AlertFields],
);

export const IdentitiesQuery = graphql(
  `
    query Identities($filter: IdentityFilter, $first: Int, $after: String) {
      identities(filter: $filter, first: $first, after: $after) {
        nodes {
          ...IdentityFields
        }
        endCursor
        hasNextPage
      }
    }
  `,
  [IdentityFields],
);

export const SightingsQuery = graphql(
  `
    query Sightings($identityId: ID, $cameraIds: [ID!], $from: DateTime, $to: DateTime, $first: Int, $after: String) {
      sightings(identityId: $identityId, cameraIds: $cameraIds, from: $from, to: $to, first: $first, after: $after) {
        nodes {
          ...SightingFields
        }
        endCursor
        hasNextPage
      }
    }
  `,
  [SightingFields],
);

export const SearchFacesQuery = graphql(
  `
    query SearchFaces($image: String!, $limit: Int, $threshold: Float) {
      searchFaces(image: $image, limit: $limit, threshold: $threshold) {
        threshold
        faces {
          box
          detScore
          match {
            score
            templateId
            identity {
              ...IdentityFields
            }
          }
          candidates {
            score
            templateId
            identity {
              ...IdentityFields
            }
          }
          sightings {
            score
            sighting {
              ...SightingFields
            }
          }
        }
      }
    }
  `,
  [IdentityFields, SightingFields],
);

export const AuditLogQuery = graphql(`
  query AuditLog($actions: [String!], $from: DateTime, $to: DateTime, $first: Int, $after: String) {
    auditLog(actions: $actions, from: $from, to: $to, first: $first, after: $after) {
      nodes {
        id
        at
        action
        actorId
        actorName
        role
        target
        outcome
        details
      }
      endCursor
      hasNextPage
    }
  }
`);

export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens {
      id
      name
      role
      cameraScope
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

// --- subscriptions

export const WallSubscription = graphql(
  `
    subscription WallChanged {
      wall {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const RecognitionEventsSubscription = graphql(
  `
    subscription RecognitionEvents($cameraIds: [ID!]) {
      recognitionEvents(cameraIds: $cameraIds) {
        ...TrackEventFields
      }
    }
  `,
  [TrackEventFields],
);

export const TrackSubscription = graphql(
  `
    subscription TrackEvents($trackId: ID!) {
      track(trackId: $trackId) {
        ...TrackEventFields
      }
    }
  `,
  [TrackEventFields],
);

export const AlertsSubscription = graphql(
  `
    subscription AlertRaised {
      alerts {
        ...AlertFields
      }
    }
  `,
  [AlertFields],
);

export const CameraStatusSubscription = graphql(
  `
    subscription CameraStatus($cameraIds: [ID!]) {
      cameraStatus(cameraIds: $cameraIds) {
        cameraId
        health {
          ...CameraHealthFields
        }
      }
    }
  `,
  [CameraHealthFields],
);

// --- mutations: wall

export const SetWallLayoutMutation = graphql(
  `
    mutation SetWallLayout($layout: WallLayoutInput!, $expectedVersion: Int) {
      setWallLayout(layout: $layout, expectedVersion: $expectedVersion) {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const AssignWallTileMutation = graphql(
  `
    mutation AssignWallTile($tile: Int!, $cameraId: ID) {
      assignWallTile(tile: $tile, cameraId: $cameraId) {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const PinWallTileMutation = graphql(
  `
    mutation PinWallTile($tile: Int!, $pinned: Boolean!) {
      pinWallTile(tile: $tile, pinned: $pinned) {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const FocusWallTileMutation = graphql(
  `
    mutation FocusWallTile($tile: Int) {
      focusWallTile(tile: $tile) {
        ...WallFields
      }
    }
  `,
  [WallFields],
);

export const AcknowledgeAlertMutation = graphql(
  `
    mutation AcknowledgeAlert($id: ID!) {
      acknowledgeAlert(id: $id) {
        ...AlertFields
      }
    }
  `,
  [AlertFields],
);

// --- mutations: identities

export const EnrollIdentityMutation = graphql(
  `
    mutation EnrollIdentity($name: String!, $images: [String!]!, $tags: [String!]) {
      enrollIdentity(name: $name, images: $images, tags: $tags) {
        ...EnrollResultFields
      }
    }
  `,
  [EnrollResultFields],
);

export const AddTemplatesMutation = graphql(
  `
    mutation AddTemplates($identityId: ID!, $images: [String!]!) {
      addTemplates(identityId: $identityId, images: $images) {
        ...EnrollResultFields
      }
    }
  `,
  [EnrollResultFields],
);

export const EnrollFromTrackMutation = graphql(
  `
    mutation EnrollFromTrack($trackId: ID!, $identityId: ID, $name: String) {
      enrollFromTrack(trackId: $trackId, identityId: $identityId, name: $name) {
        ...EnrollResultFields
      }
    }
  `,
  [EnrollResultFields],
);

export const RejectMatchMutation = graphql(`
  mutation RejectMatch($identityId: ID!, $trackId: ID, $sightingId: ID) {
    rejectMatch(identityId: $identityId, trackId: $trackId, sightingId: $sightingId)
  }
`);

export const RenameIdentityMutation = graphql(
  `
    mutation RenameIdentity($id: ID!, $name: String!) {
      renameIdentity(id: $id, name: $name) {
        ...IdentityFields
      }
    }
  `,
  [IdentityFields],
);

export const MergeIdentitiesMutation = graphql(
  `
    mutation MergeIdentities($fromId: ID!, $intoId: ID!) {
      mergeIdentities(fromId: $fromId, intoId: $intoId) {
        ...IdentityFields
      }
    }
  `,
  [IdentityFields],
);

export const DeleteIdentityMutation = graphql(`
  mutation DeleteIdentity($id: ID!) {
    deleteIdentity(id: $id) {
      id
      templatesRemoved
      sightingsRemoved
    }
  }
`);

// --- mutations: cameras and tokens

export const AddCameraMutation = graphql(
  `
    mutation AddCamera($input: CameraInput!) {
      addCamera(input: $input) {
        ...CameraFields
      }
    }
  `,
  [CameraFields],
);

export const UpdateCameraMutation = graphql(
  `
    mutation UpdateCamera($id: ID!, $input: CameraPatch!) {
      updateCamera(id: $id, input: $input) {
        ...CameraFields
      }
    }
  `,
  [CameraFields],
);

export const RemoveCameraMutation = graphql(`
  mutation RemoveCamera($id: ID!) {
    removeCamera(id: $id)
  }
`);

export const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($name: String!, $role: Role!, $cameraScope: [ID!]) {
    createApiToken(name: $name, role: $role, cameraScope: $cameraScope) {
      secret
      token {
        id
        name
        role
        cameraScope
        createdAt
        lastUsedAt
        revokedAt
      }
    }
  }
`);

export const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id)
  }
`);

// --- result types used across components

export type Me = ResultOf<typeof MeQuery>['me'];
export type Camera = ResultOf<typeof CamerasQuery>['cameras'][number];
export type CameraHealth = ResultOf<typeof CameraHealthFields>;
export type TrackEvent = ResultOf<typeof TrackEventFields>;
export type Alert = ResultOf<typeof AlertFields>;
export type Wall = ResultOf<typeof WallFields>;
export type Identity = ResultOf<typeof IdentityFields>;
export type Sighting = ResultOf<typeof SightingFields>;
export type EnrollResult = ResultOf<typeof EnrollResultFields>;
export type Track = ResultOf<typeof TracksQuery>['tracks'][number];
export type ApiToken = ResultOf<typeof ApiTokensQuery>['apiTokens'][number];
export type ResultOfSearch = ResultOf<typeof SearchFacesQuery>['searchFaces'];
export type AuditEntry = ResultOf<typeof AuditLogQuery>['auditLog']['nodes'][number];
