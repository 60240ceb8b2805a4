import { describe, expect, it } from 'vitest';
import { WallPresence } from './wall-presence.js';

describe('WallPresence', () => {
  it('counts a token once across its sockets and announces joins and leaves', () => {
    let changes = 0;
    const p = new WallPresence(() => changes++);
    const aliceTab1 = p.join({ tokenId: 'a', name: 'alice', role: 'operator' }, 1);
    const aliceTab2 = p.join({ tokenId: 'a', name: 'alice', role: 'operator' }, 2);
    const bob = p.join({ tokenId: 'b', name: 'bob', role: 'admin' }, 3);
    expect(p.list().map((e) => [e.name, e.since])).toEqual([['alice', 1], ['bob', 3]]);
    expect(changes).toBe(2);
    aliceTab1();
    aliceTab1(); // leaving twice is harmless
    expect(p.list().map((e) => e.name)).toEqual(['alice', 'bob']);
    aliceTab2();
    bob();
    expect(p.list()).toEqual([]);
    expect(changes).toBe(4);
  });
});
