import { describe, expect, it } from 'vitest';
import { canSee, capabilities, visibleScreens } from './access.js';

const ids = (role: Parameters<typeof visibleScreens>[0]) => visibleScreens(role).map((s) => s.id);

describe('role-aware screens', () => {
  it('shows every screen to an admin', () => {
    expect(ids('ADMIN')).toEqual(['wall', 'search', 'identities', 'cameras', 'tokens', 'audit']);
  });

  it('gives an operator the wall, search and a read-only gallery', () => {
    expect(ids('OPERATOR')).toEqual(['wall', 'search', 'identities']);
    const caps = capabilities('OPERATOR');
    expect(caps.browseIdentities).toBe(true);
    expect(caps.editIdentities).toBe(false);
    expect(caps.deleteIdentities).toBe(false);
    expect(caps.ackAlerts).toBe(true);
    expect(caps.rejectMatch).toBe(true);
    expect(caps.sharedWall).toBe(true);
  });

  it('gives a viewer its cameras only, without the shared wall or any admin screen', () => {
    expect(ids('VIEWER')).toEqual(['wall']);
    expect(Object.values(capabilities('VIEWER')).some(Boolean)).toBe(false);
    for (const s of ['identities', 'search', 'cameras', 'tokens', 'audit'] as const) expect(canSee('VIEWER', s)).toBe(false);
    expect(canSee('VIEWER', 'wall')).toBe(true);
  });

  it('keeps admin-only screens from operators', () => {
    expect(canSee('OPERATOR', 'tokens')).toBe(false);
    expect(canSee('OPERATOR', 'audit')).toBe(false);
    expect(canSee('OPERATOR', 'cameras')).toBe(false);
    expect(canSee('ADMIN', 'tokens')).toBe(true);
  });
});
