/**
 * What each role may use in the UI: a mirror of the server's policy matrix (server/src/api/auth/policy.ts) with the
 * default policy flags. It only decides what is shown; the server refuses anything else anyway.
 */
export type Role = 'ADMIN' | 'OPERATOR' | 'VIEWER';

export type ScreenId = 'wall' | 'identities' | 'search' | 'cameras' | 'audit' | 'tokens';

export interface Capabilities {
  /** The shared wall (layout, pins, focus, presence); viewers get a private grid of their cameras instead. */
  sharedWall: boolean;
  ackAlerts: boolean;
  browseIdentities: boolean;
  /** Enroll, add templates, rename, merge. */
  editIdentities: boolean;
  deleteIdentities: boolean;
  /** Operators may too when the server sets BOOSTFACE_OPERATORS_MAY_ENROLL (not visible to clients). */
  enrollFromTrack: boolean;
  rejectMatch: boolean;
  search: boolean;
  manageCameras: boolean;
  manageTokens: boolean;
  readAudit: boolean;
}

const ALL: Capabilities = {
  sharedWall: true,
  ackAlerts: true,
  browseIdentities: true,
  editIdentities: true,
  deleteIdentities: true,
  enrollFromTrack: true,
  rejectMatch: true,
  search: true,
  manageCameras: true,
  manageTokens: true,
  readAudit: true,
};

const BY_ROLE: Record<Role, Capabilities> = {
  ADMIN: ALL,
  OPERATOR: { ...ALL, editIdentities: false, deleteIdentities: false, enrollFromTrack: false, manageCameras: false, manageTokens: false, readAudit: false },
  VIEWER: {
    sharedWall: false,
    ackAlerts: false,
    browseIdentities: false,
    editIdentities: false,
    deleteIdentities: false,
    enrollFromTrack: false,
    rejectMatch: false,
    search: false,
    manageCameras: false,
    manageTokens: false,
    readAudit: false,
  },
};

export function capabilities(role: Role): Capabilities {
  return BY_ROLE[role];
}

export interface ScreenInfo {
  id: ScreenId;
  label: string;
  /** Shown when this capability is granted (wall: always). */
  needs: keyof Capabilities | null;
}

/** Navigation order. */
export const SCREENS: readonly ScreenInfo[] = [
  { id: 'wall', label: 'Wall', needs: null },
  { id: 'search', label: 'Search', needs: 'search' },
  { id: 'identities', label: 'Identities', needs: 'browseIdentities' },
  { id: 'cameras', label: 'Cameras', needs: 'manageCameras' },
  { id: 'tokens', label: 'Tokens', needs: 'manageTokens' },
  { id: 'audit', label: 'Audit log', needs: 'readAudit' },
];

export function visibleScreens(role: Role): ScreenInfo[] {
  const caps = capabilities(role);
  return SCREENS.filter((s) => s.needs === null || caps[s.needs]);
}

export function canSee(role: Role, screen: ScreenId): boolean {
  return visibleScreens(role).some((s) => s.id === screen);
}
