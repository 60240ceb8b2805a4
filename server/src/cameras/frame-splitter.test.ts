import { describe, expect, it } from 'vitest';
import { FrameSplitter } from './frame-splitter.js';

/** A byte stream of `frames` frames whose bytes count up (mod 251), so misaligned cuts show. */
function stream(frameBytes: number, frames: number): Buffer {
  const bytes = Buffer.alloc(frameBytes * frames);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  return bytes;
}

/** Copies of the frames (a splitter lends its frames only until the next one). */
function split(frameBytes: number, chunks: Buffer[]) {
  const frames: Uint8Array[] = [];
  const splitter = new FrameSplitter(frameBytes, (f) => frames.push(Uint8Array.from(f)));
  for (const c of chunks) splitter.push(c);
  return { frames, splitter };
}

describe('FrameSplitter', () => {
  it('reassembles frames from chunks of every size, in order and byte-exact', () => {
    const frameBytes = 12;
    const all = stream(frameBytes, 7);
    for (const size of [1, 5, 11, 12, 13, 24, 30, all.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
      const { frames, splitter } = split(frameBytes, chunks);
      expect(frames.length, `chunk size ${size}`).toBe(7);
      frames.forEach((f, i) => expect(Buffer.from(f).equals(all.subarray(i * frameBytes, (i + 1) * frameBytes))).toBe(true));
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  it('assembles frames in two buffers taken in turn: a frame stays whole until the next one is handed out', () => {
    const all = stream(10, 5);
    const lent: Uint8Array[] = [];
    /** At each hand-out: is the frame before it still whole? */
    const previousWhole: boolean[] = [];
    const splitter = new FrameSplitter(10, (f) => {
      const i = lent.length;
      if (i > 0) previousWhole.push(Buffer.from(lent[i - 1]!).equals(all.subarray((i - 1) * 10, i * 10)));
      lent.push(f);
    });
    // The caller's chunk memory is reused (as ./frame-pipe.ts does): nothing may keep pointing into it.
    const chunk = Buffer.alloc(25);
    for (let at = 0; at < all.length; at += 25) {
      all.copy(chunk, 0, at, at + 25);
      splitter.push(chunk);
      chunk.fill(0xee);
    }
    expect(lent.length).toBe(5);
    expect(lent.every((f) => f.buffer !== chunk.buffer)).toBe(true);
    expect(lent[1]!.buffer).not.toBe(lent[0]!.buffer);
    expect(lent[2]!.buffer).toBe(lent[0]!.buffer);
    expect(previousWhole).toEqual([true, true, true, true]);
    expect(Buffer.from(lent[4]!).equals(all.subarray(40, 50))).toBe(true);
    expect(Buffer.from(lent[2]!).equals(all.subarray(20, 30))).toBe(false); // overwritten by frame 4
  });

  it('holds back an incomplete frame and drops it on reset', () => {
    const all = stream(10, 2);
    const { frames, splitter } = split(10, [all.subarray(0, 15)]);
    expect(frames.length).toBe(1);
    expect(splitter.pendingBytes).toBe(5);
    splitter.reset();
    expect(splitter.pendingBytes).toBe(0);
    splitter.push(all.subarray(0, 10));
    expect(frames.length).toBe(2);
    expect(Array.from(frames[1]!)).toEqual(Array.from(all.subarray(0, 10)));
  });

  it('refuses a frame size that is not a positive integer', () => {
    expect(() => new FrameSplitter(0, () => {})).toThrow(/bad frame size/);
  });
});
