import { describe, expect, it } from 'vitest';
import { ago, fps, localInputToIso, score, shortTrack } from './format.js';

describe('format', () => {
  it('says how long ago', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(ago('2025-01-01T11:59:55Z', now)).toBe('5 s ago');
    expect(ago('2025-01-01T11:50:00Z', now)).toBe('10 min ago');
    expect(ago('2025-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(ago(null, now)).toBe('—');
    expect(ago('garbage', now)).toBe('—');
  });
  it('formats scores, rates and track ids', () => {
    expect(score(0.4567)).toBe('0.46');
    expect(score(null)).toBe('—');
    expect(fps(29.97)).toBe('30 fps');
    expect(fps(4.25)).toBe('4.3 fps');
    expect(shortTrack('stage-mx08vglv-15')).toBe('#15');
  });
  it('reads datetime-local values', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('nope')).toBeNull();
    expect(localInputToIso('2025-01-01T10:00')).toBe(new Date('2025-01-01T10:00').toISOString());
  });
});
