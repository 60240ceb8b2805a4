import { describe, expect, it } from 'vitest';
import { matchesFilter } from './filters.js';

const s = { cameraId: 'gate', startedAt: '2025-01-01T10:00:00Z', endedAt: '2025-01-01T10:05:00Z' };

describe('matchesFilter', () => {
  it('passes everything without a filter', () => {
    expect(matchesFilter(s, { cameraId: null, from: null, to: null })).toBe(true);
  });
  it('filters by camera', () => {
    expect(matchesFilter(s, { cameraId: 'gate', from: null, to: null })).toBe(true);
    expect(matchesFilter(s, { cameraId: 'lobby', from: null, to: null })).toBe(false);
  });
  it('keeps sightings that overlap the time window', () => {
    expect(matchesFilter(s, { cameraId: null, from: '2025-01-01T10:04:00Z', to: null })).toBe(true);
    expect(matchesFilter(s, { cameraId: null, from: '2025-01-01T10:06:00Z', to: null })).toBe(false);
    expect(matchesFilter(s, { cameraId: null, from: null, to: '2025-01-01T10:00:00Z' })).toBe(true);
    expect(matchesFilter(s, { cameraId: null, from: null, to: '2025-01-01T09:59:59Z' })).toBe(false);
  });
});
