import { describe, expect, it } from 'vitest';
import { cropsToTensor, letterboxTensor } from './image-tensor.js';

const rgbPre = { colorOrder: 'RGB' as const, mean: 127.5, std: 128 };

describe('letterboxTensor', () => {
  it('keeps the aspect ratio at the top-left and pads with normalized black', () => {
    // 4x2 image into 8x8: scale 2, content 8x4, rows 4..7 are padding.
    const img = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(200) };
    const { tensor, scale } = letterboxTensor(img, 8, 8, rgbPre);
    expect(scale).toBe(2);
    const plane = 64;
    expect(tensor[0]).toBeCloseTo((200 - 127.5) / 128, 6);
    expect(tensor[3 * 8 + 7]).toBeCloseTo((200 - 127.5) / 128, 6);
    expect(tensor[4 * 8]).toBeCloseTo(-127.5 / 128, 6);
    expect(tensor[2 * plane + 63]).toBeCloseTo(-127.5 / 128, 6);
  });

  it('writes planes in the model colour order', () => {
    const img = { width: 1, height: 1, data: Uint8Array.from([10, 20, 30]) };
    const pre = { colorOrder: 'BGR' as const, mean: 0, std: 1 };
    const { tensor } = letterboxTensor(img, 1, 1, pre);
    expect(Array.from(tensor)).toEqual([30, 20, 10]);
  });

  it('interpolates like OpenCV INTER_LINEAR when downscaling 2x (average of pixel pairs)', () => {
    const img = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100, 50, 50, 50, 250, 250, 250]) };
    const { tensor } = letterboxTensor(img, 2, 2, { colorOrder: 'RGB', mean: 0, std: 1 });
    expect(tensor[0]).toBe(50);
    expect(tensor[1]).toBe(150);
  });
});

describe('cropsToTensor', () => {
  it('packs a batch NCHW with normalization', () => {
    const a = Uint8Array.from([0, 127.5, 255, 0, 127.5, 255].map(Math.floor));
    const b = new Uint8Array(6).fill(255);
    const t = cropsToTensor([a, b], 2, 1, { colorOrder: 'RGB', mean: 127.5, std: 127.5 });
    expect(t.length).toBe(12);
    expect(t[0]).toBeCloseTo(-1, 6);
    expect(t[4]).toBeCloseTo(1, 6);
    expect(t[6]).toBeCloseTo(1, 6);
  });
});
