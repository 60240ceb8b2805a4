/** Sightings filters of the search screen (camera and time window), applied to the search's own sighting hits. */
export interface SightingFilter {
  cameraId: string | null;
  /** ISO times, inclusive; null = open. */
  from: string | null;
  to: string | null;
}

export function matchesFilter(s: { cameraId: string; startedAt: string; endedAt: string }, f: SightingFilter): boolean {
  if (f.cameraId && s.cameraId !== f.cameraId) return false;
  // A sighting overlaps the window when it ends after its start and starts before its end.
  if (f.from && Date.parse(s.endedAt) < Date.parse(f.from)) return false;
  if (f.to && Date.parse(s.startedAt) > Date.parse(f.to)) return false;
  return true;
}
