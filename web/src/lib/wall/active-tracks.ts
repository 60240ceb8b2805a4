/**
 * The wall's side panel: tracks on screen now (latest event per track, gone when ENDED or silent for a while) and the
 * recent identifications (one entry per track and identity decision, newest first).
 */
export interface TrackEventLike {
  trackId: string;
  cameraId: string;
  kind: 'STARTED' | 'UPDATED' | 'IDENTIFIED' | 'ENDED';
  frame: number;
  ts: string;
  label: string;
  score?: number | null;
  quality: number;
  identity?: { id: string; name: string; score?: number | null } | null;
  snapshot?: { faceUrl: string; contextUrl: string } | null;
}

export interface ActiveTrack<E extends TrackEventLike> {
  event: E;
  /** The best snapshot seen so far (events after the first snapshot may omit it). */
  snapshot: E['snapshot'];
  /** When this browser last heard of the track. */
  seenAt: number;
}

export class ActiveTracks<E extends TrackEventLike> {
  private readonly tracks = new Map<string, ActiveTrack<E>>();
  private recent: E[] = [];

  constructor(private readonly o = { staleMs: 10_000, recentMax: 20 }) {}

  apply(e: E, now: number): void {
    if (e.kind === 'ENDED') {
      this.tracks.delete(e.trackId);
    } else {
      const old = this.tracks.get(e.trackId);
      if (!old || old.event.frame <= e.frame) this.tracks.set(e.trackId, { event: e, snapshot: e.snapshot ?? old?.snapshot ?? null, seenAt: now });
    }
    if (e.kind === 'IDENTIFIED' && e.identity) {
      const same = (r: E) => r.trackId === e.trackId && r.identity?.id === e.identity?.id;
      const prev = this.recent.find(same);
      const entry = { ...e, snapshot: e.snapshot ?? prev?.snapshot ?? this.tracks.get(e.trackId)?.snapshot ?? null };
      this.recent = [entry, ...this.recent.filter((r) => !same(r))].slice(0, this.o.recentMax);
    } else if (e.snapshot) {
      // A later snapshot of an identified track improves its entry in the recent list.
      this.recent = this.recent.map((r) => (r.trackId === e.trackId && !r.snapshot ? { ...r, snapshot: e.snapshot } : r));
    }
  }

  /** Forget tracks not heard of for a while (lost, or their camera went away). */
  prune(now: number): void {
    for (const [id, t] of this.tracks) if (now - t.seenAt > this.o.staleMs) this.tracks.delete(id);
  }

  /** Identified first, then by camera and label. */
  active(cameraIds?: ReadonlySet<string>): ActiveTrack<E>[] {
    return [...this.tracks.values()]
      .filter((t) => !cameraIds || cameraIds.has(t.event.cameraId))
      .sort((a, b) => Number(!!b.event.identity) - Number(!!a.event.identity) || a.event.cameraId.localeCompare(b.event.cameraId) || a.event.label.localeCompare(b.event.label));
  }

  recentIdentifications(cameraIds?: ReadonlySet<string>): E[] {
    return this.recent.filter((r) => !cameraIds || cameraIds.has(r.cameraId));
  }
}
