/**
 * A track's identity from all its embeddings: quality-weighted voting with hysteresis. Each embedding votes for the
 * identity it matched (open-set: above the gallery threshold) or for "unknown"; a vote weighs its face quality, and an
 * unknown vote half that (a miss on a mediocre face is weaker evidence than a match). The decision moves to another
 * candidate only when that candidate outweighs the current one by `switchRatio` with at least `minVotesToSwitch`
 * votes, so one bad frame never flips a name. The first match of a still-unknown track is taken at once.
 */
export interface VoteOptions {
  switchRatio: number;
  minVotesToSwitch: number;
  unknownWeight: number;
  /** Floor on a vote's weight, so that poor faces still count a little. */
  minWeight: number;
}

export const DEFAULT_VOTE_OPTIONS: VoteOptions = { switchRatio: 1.5, minVotesToSwitch: 2, unknownWeight: 0.5, minWeight: 0.05 };

export interface VoteObservation {
  /** The matched identity, or null when the best score was below the threshold. */
  match: { id: string; name: string; score: number } | null;
  /** The best gallery score for this embedding (also when rejected); null for an empty gallery. */
  bestScore: number | null;
  quality: number;
}

interface Tally {
  weight: number;
  votes: number;
  bestScore: number;
  name: string;
}

const UNKNOWN = '';

export class IdentityVote {
  private readonly tallies = new Map<string, Tally>();
  private current = UNKNOWN;
  private bestRejected: number | null = null;

  constructor(private readonly o: VoteOptions = DEFAULT_VOTE_OPTIONS) {}

  /** Adds one embedding's result; returns true when the decision changed. */
  add(obs: VoteObservation): boolean {
    const key = obs.match?.id ?? UNKNOWN;
    const w = Math.max(this.o.minWeight, obs.quality) * (key === UNKNOWN ? this.o.unknownWeight : 1);
    const t = this.tallies.get(key) ?? { weight: 0, votes: 0, bestScore: -Infinity, name: obs.match?.name ?? '' };
    t.weight += w;
    t.votes++;
    if (obs.match) {
      t.bestScore = Math.max(t.bestScore, obs.match.score);
      t.name = obs.match.name;
    } else if (obs.bestScore !== null) {
      this.bestRejected = Math.max(this.bestRejected ?? -Infinity, obs.bestScore);
    }
    this.tallies.set(key, t);
    return this.reconsider();
  }

  private reconsider(): boolean {
    const cur = this.tallies.get(this.current);
    let leader: [string, Tally] | undefined;
    for (const entry of this.tallies) {
      if (entry[0] === this.current) continue;
      if (!leader || entry[1].weight > leader[1].weight || (entry[1].weight === leader[1].weight && entry[0] < leader[0])) leader = entry;
    }
    if (!leader) return false;
    const [key, t] = leader;
    const firstMatch = this.current === UNKNOWN && key !== UNKNOWN && (!cur || t.weight >= cur.weight);
    const overturn = t.votes >= this.o.minVotesToSwitch && t.weight >= (cur?.weight ?? 0) * this.o.switchRatio;
    if (!firstMatch && !overturn) return false;
    this.current = key;
    return true;
  }

  /** The decision: an identity with its best score, or null (unknown). */
  get decision(): { id: string; name: string; score: number } | null {
    if (this.current === UNKNOWN) return null;
    const t = this.tallies.get(this.current)!;
    return { id: this.current, name: t.name, score: t.bestScore };
  }

  /** The score to show with the decision: its best match, or while unknown the best rejected score (null if none). */
  get score(): number | null {
    return this.decision?.score ?? this.bestRejected;
  }

  get votes(): number {
    let n = 0;
    for (const t of this.tallies.values()) n += t.votes;
    return n;
  }

  /**
   * A re-check after the track may have jumped to another face (recovered from lost, or separated from a crossing
   * track): if it disagrees with the current decision, the old evidence no longer describes this face, so the vote
   * starts afresh from this observation. Returns true when the decision changed.
   */
  recheck(obs: VoteObservation): boolean {
    const current = this.decision?.id ?? null;
    const seen = obs.match?.id ?? null;
    if (current === seen) return this.add(obs);
    const before = current;
    this.tallies.clear();
    this.current = UNKNOWN;
    this.bestRejected = null;
    this.add(obs);
    return (this.decision?.id ?? null) !== before;
  }

  /** An identity was renamed or deleted elsewhere: keep the vote consistent with the gallery. */
  forget(identityId: string): boolean {
    if (!this.tallies.delete(identityId)) return false;
    if (this.current !== identityId) return false;
    this.current = UNKNOWN;
    this.reconsider();
    return true;
  }
}
