import { describe, expect, it } from 'vitest';
import { FrameSplitter } from './frame-splitter.js';

/** A byte stream of `frames` frames whose bytes count up (mod 251), so misaligned cuts show. */
function stream(frameBytes: number, frames: number): Buffer {
  const bytes = Buffer.alloc(frameBytes * frames);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 251;
  return bytes;
}

function split(frameBytes: number, chunks: Buffer[]) {
  const frames: Uint8Array[] = [];
  const splitter = new FrameSplitter(frameBytes, (f) => frames.push(f));
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

  it('hands out frames inside one chunk as views and copies frames that span chunks', () => {
    const all = stream(10, 3);
    const first = all.subarray(0, 25);
    const { frames } = split(10, [first, all.subarray(25)]);
    expect(frames[0]!.buffer).toBe(first.buffer);
    expect(frames[2]!.buffer).not.toBe(first.buffer);
    // Frames stay valid after later chunks arrive.
    expect(Array.from(frames[2]!)).toEqual(Array.from(all.subarray(20, 30)));
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
