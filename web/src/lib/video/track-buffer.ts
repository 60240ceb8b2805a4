/**
 * Per-camera memory of recent track events, keyed by the frame number each box was detected on, so a frame is drawn
 * with the boxes that belong to it. Detection runs on some frames only (and the video on others), so the box of a
 * track at frame `seq` is interpolated between its events just before and just after `seq` (the video is shown with
 * a small delay, see frame-clock.ts, so the "after" event has usually arrived), or held from the last event for a
 * short gap, and never drawn past the track's end.
 */
export type Box = readonly [number, number, number, number];

export type TrackKind = 'STARTED' | 'UPDATED' | 'IDENTIFIED' | 'ENDED';

export interface BoxEvent {
  trackId: string;
  kind: TrackKind;
  frame: number;
  box: Box;
  label: string;
  /** An identity was decided (false: unknown stranger). */
  identified: boolean;
}

export interface DrawnBox {
  trackId: string;
  box: Box;
  label: string;
  identified: boolean;
  /** Detected on this very frame (not interpolated or held). */
  exact: boolean;
}

export interface TrackBufferOptions {
  /** Longest gap between events, in frames, to interpolate across or hold a box through. */
  maxGapFrames: number;
  /** Events older than this many frames behind the newest are forgotten. */
  keepFrames: number;
}

interface TrackSamples {
  samples: BoxEvent[];
  endFrame: number | null;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

export class TrackBuffer {
  private readonly tracks = new Map<string, TrackSamples>();
  private newest = -1;

  constructor(private readonly o: TrackBufferOptions = { maxGapFrames: 15, keepFrames: 300 }) {}

  /** The newest frame any event was seen for (-1: none). */
  get latestFrame(): number {
    return this.newest;
  }

  get size(): number {
    return this.tracks.size;
  }

  add(e: BoxEvent): void {
    // A frame number far behind the newest means the camera restarted and counts from 0 again.
    if (this.newest >= 0 && e.frame < this.newest - this.o.keepFrames) this.clear();
    let t = this.tracks.get(e.trackId);
    if (!t) this.tracks.set(e.trackId, (t = { samples: [], endFrame: null }));
    if (e.kind === 'ENDED') t.endFrame = t.endFrame === null ? e.frame : Math.min(t.endFrame, e.frame);
    const s = t.samples;
    let i = s.length;
    while (i > 0 && s[i - 1].frame > e.frame) i--;
    if (i > 0 && s[i - 1].frame === e.frame) s[i - 1] = mergeSame(s[i - 1], e);
    else s.splice(i, 0, e);
    if (e.frame > this.newest) {
      this.newest = e.frame;
      this.prune();
    }
  }

  clear(): void {
    this.tracks.clear();
    this.newest = -1;
  }

  private prune(): void {
    const oldest = this.newest - this.o.keepFrames;
    for (const [id, t] of this.tracks) {
      let drop = 0;
      while (drop < t.samples.length && t.samples[drop].frame < oldest) drop++;
      // Keep the last sample before the window while a later one exists, so interpolation into the window works.
      if (drop > 0 && drop < t.samples.length) drop--;
      if (drop > 0) t.samples.splice(0, drop);
      if (t.samples.length === 0 || t.samples[t.samples.length - 1].frame < oldest) this.tracks.delete(id);
    }
  }

  /** The boxes to draw on frame `seq`. */
  boxesAt(seq: number): DrawnBox[] {
    const out: DrawnBox[] = [];
    for (const [trackId, t] of this.tracks) {
      if (t.endFrame !== null && seq > t.endFrame) continue;
      const s = t.samples;
      let i = s.length - 1;
      while (i >= 0 && s[i].frame > seq) i--;
      if (i < 0) continue; // the track starts after this frame
      const a = s[i];
      const b = s[i + 1];
      let box: Box;
      if (a.frame === seq) box = a.box;
      else if (b && b.frame - a.frame <= this.o.maxGapFrames) {
        const k = (seq - a.frame) / (b.frame - a.frame);
        box = [lerp(a.box[0], b.box[0], k), lerp(a.box[1], b.box[1], k), lerp(a.box[2], b.box[2], k), lerp(a.box[3], b.box[3], k)];
      } else if (seq - a.frame <= this.o.maxGapFrames) box = a.box;
      else continue; // lost for longer than a gap: no stale box
      out.push({ trackId, box, label: a.label, identified: a.identified, exact: a.frame === seq });
    }
    return out;
  }
}

/** Two events for one frame (e.g. UPDATED and IDENTIFIED): keep the box, take the newer decision. */
function mergeSame(old: BoxEvent, e: BoxEvent): BoxEvent {
  return e.kind === 'ENDED' ? old : e;
}
