/**
 * Who is watching the wall: operators with an open `wall` subscription, by token. Several sockets of one token
 * (two browser tabs) count once; the entry goes when the last one closes. Every change is announced through
 * `onChange` (the API republishes the wall with the new presence list).
 */
export interface PresenceEntry {
  tokenId: string;
  name: string;
  role: string;
  since: number;
}

/** Who is watching, as the wall resolver sees it: this process only (WallPresence) or every replica (SharedWallPresence). */
export interface Presence {
  /** True when `list()` includes operators of other processes, whose joins and leaves arrive from elsewhere. */
  readonly spansProcesses: boolean;
  join(who: { tokenId: string; name: string; role: string }, now?: number): () => void;
  list(): PresenceEntry[] | Promise<PresenceEntry[]>;
  close?(): Promise<void>;
}

/** One list from several: a token watching through several processes counts once, since it first joined. */
export function mergePresence(lists: PresenceEntry[][]): PresenceEntry[] {
  const byToken = new Map<string, PresenceEntry>();
  for (const e of lists.flat()) {
    const cur = byToken.get(e.tokenId);
    if (!cur || e.since < cur.since) byToken.set(e.tokenId, e);
  }
  return [...byToken.values()].sort((a, b) => a.since - b.since || (a.tokenId < b.tokenId ? -1 : 1));
}

export class WallPresence implements Presence {
  readonly spansProcesses = false;

  private readonly entries = new Map<string, PresenceEntry & { connections: number }>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Someone opened the wall; returns the function that records them leaving. */
  join(who: { tokenId: string; name: string; role: string }, now = Date.now()): () => void {
    const cur = this.entries.get(who.tokenId);
    if (cur) cur.connections++;
    // Only what the list shows (a principal carries more).
    else this.entries.set(who.tokenId, { tokenId: who.tokenId, name: who.name, role: who.role, since: now, connections: 1 });
    if (!cur) this.onChange();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const e = this.entries.get(who.tokenId);
      if (!e) return;
      if (--e.connections === 0) {
        this.entries.delete(who.tokenId);
        this.onChange();
      }
    };
  }

  list(): PresenceEntry[] {
    return mergePresence([[...this.entries.values()].map(({ connections: _c, ...e }) => e)]);
  }
}
