import { describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthenticatedError } from './errors.js';
import { ACTIONS, assertInScope, authorize, can, inScope, principalOf, scopeFilter, type Action, type Principal } from './policy.js';
import type { Role } from './tokens.js';

const who = (role: Role, cameraScope: string[] | null = null): Principal => ({ tokenId: `tok_${role}`, name: role, role, cameraScope });
const allowed = (role: Role, opts?: Parameters<typeof can>[2]) => ACTIONS.filter((a) => can(who(role), a, opts)).sort();

describe('policy matrix', () => {
  it('lets an admin do everything', () => {
    expect(allowed('admin')).toEqual([...ACTIONS].sort());
  });

  it('lets an operator watch, acknowledge, pin, search and reject matches, but not delete, configure, enroll, or read audit/tokens', () => {
    expect(allowed('operator')).toEqual(
      ['alerts.ack', 'alerts.read', 'cameras.read', 'events.subscribe', 'identities.read', 'media.read', 'rejectMatch', 'search', 'sightings.read', 'tracks.read', 'wall.read', 'wall.write'].sort(),
    );
  });

  it('gives a viewer read and subscribe only', () => {
    expect(allowed('viewer')).toEqual(['alerts.read', 'cameras.read', 'events.subscribe', 'media.read', 'sightings.read', 'tracks.read']);
  });

  it('grants enroll-from-track to operators and search to viewers only through their config flags', () => {
    expect(can(who('operator'), 'enroll.fromTrack')).toBe(false);
    expect(can(who('operator'), 'enroll.fromTrack', { operatorsMayEnroll: true, viewersMaySearch: false })).toBe(true);
    expect(can(who('viewer'), 'enroll.fromTrack', { operatorsMayEnroll: true, viewersMaySearch: true })).toBe(false);
    expect(can(who('viewer'), 'search')).toBe(false);
    expect(can(who('viewer'), 'search', { operatorsMayEnroll: false, viewersMaySearch: true })).toBe(true);
    // The flags widen nothing else.
    expect(allowed('operator', { operatorsMayEnroll: true, viewersMaySearch: true })).toEqual([...allowed('operator'), 'enroll.fromTrack'].sort());
  });
});

describe('authorize', () => {
  it('throws UNAUTHENTICATED without a principal and FORBIDDEN with a human message when the role falls short', () => {
    expect(() => authorize(null, 'cameras.read')).toThrow(UnauthenticatedError);
    const err = (() => {
      try {
        authorize(who('viewer'), 'identities.delete');
      } catch (e) {
        return e as ForbiddenError;
      }
    })();
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err?.extensions.code).toBe('FORBIDDEN');
    expect(err?.httpStatus).toBe(403);
    expect(err?.message).toBe('a viewer token may not delete identities');
    expect(new UnauthenticatedError().extensions.code).toBe('UNAUTHENTICATED');
    const op = who('operator');
    expect(authorize(op, 'alerts.ack')).toBe(op);
  });

  it('describes every action in its refusal', () => {
    const viewer = who('viewer');
    for (const a of ACTIONS.filter((x) => !can(viewer, x))) expect(() => authorize(viewer, a as Action)).toThrow(/^a viewer token may not \w/);
  });
});

describe('camera scope', () => {
  const scoped = who('viewer', ['cam1', 'cam2']);

  it('admits cameras in scope only; an unscoped token sees every camera', () => {
    expect(inScope(scoped, 'cam1')).toBe(true);
    expect(inScope(scoped, 'cam3')).toBe(false);
    expect(inScope(who('operator'), 'anything')).toBe(true);
    expect(() => assertInScope(scoped, 'cam3')).toThrow(ForbiddenError);
    expect(() => assertInScope(scoped, 'cam2')).not.toThrow();
  });

  it('intersects requested camera lists with the scope (null = all cameras)', () => {
    expect(scopeFilter(who('admin'))).toBeNull();
    expect(scopeFilter(who('admin'), ['a', 'a', 'b'])).toEqual(['a', 'b']);
    expect(scopeFilter(scoped)).toEqual(['cam1', 'cam2']);
    expect(scopeFilter(scoped, null)).toEqual(['cam1', 'cam2']);
    expect(scopeFilter(scoped, ['cam2', 'cam9'])).toEqual(['cam2']);
    expect(scopeFilter(scoped, ['cam9'])).toEqual([]);
    expect(scopeFilter(scoped, [])).toEqual([]);
  });

  it('builds a principal from a stored token', () => {
    expect(principalOf({ id: 'tok_1', name: 'kiosk', role: 'viewer', cameraScope: ['c'] })).toEqual({ tokenId: 'tok_1', name: 'kiosk', role: 'viewer', cameraScope: ['c'] });
  });
});
