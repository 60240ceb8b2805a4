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

export class WallPresence {
  private readonly entries = new Map<string, PresenceEntry & { connections: number }>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Someone opened the wall; returns the function that records them leaving. */
  join(who: { tokenId: string; name: string; role: string }, now = Date.now()): () => void {
    const cur = this.entries.get(who.tokenId);
    if (cur) cur.connections++;
    else this.entries.set(who.tokenId, { ...who, since: now, connections: 1 });
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
    return [...this.entries.values()].map(({ connections: _c, ...e }) => e).sort((a, b) => a.since - b.since || (a.tokenId < b.tokenId ? -1 : 1));
  }
}
