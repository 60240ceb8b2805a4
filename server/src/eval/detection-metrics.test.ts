import { describe, expect, it } from 'vitest';
import {
  evaluateDetections,
  iou,
  matchImage,
  parseDlibXml,
  parseWiderEvalSets,
  parseWiderGt,
  widerGroundTruth,
  type BoxXYXY,
  type Detection,
  type GroundTruth,
} from './detection-metrics.js';

const det = (box: BoxXYXY, score: number): Detection => ({ box, score });
const opts = { scoreThr: 0.5, iouThr: 0.5 };

describe('iou', () => {
  it('computes intersection over union in continuous coordinates', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
  });
});

describe('matchImage', () => {
  const gt: GroundTruth = { counted: [[0, 0, 10, 10], [100, 100, 120, 120]], ignore: [[200, 200, 210, 210]] };

  it('counts hits, misses, false positives and ignored detections', () => {
    const m = matchImage(
      [
        det([1, 0, 11, 10], 0.9), // hit on box 0
        det([201, 200, 211, 210], 0.8), // on the ignore box
        det([300, 300, 320, 320], 0.7), // nothing there: FP
        det([0, 0, 10, 10], 0.6), // duplicate of box 0 (already matched): FP
        det([100, 100, 120, 120], 0.4), // below the score threshold
      ],
      gt,
      opts,
    );
    expect(m).toEqual({ hits: 1, counted: 2, falsePositives: 2, ignored: 1, matchedScores: [0.9, null] });
  });

  it('takes detections in score order whatever the input order', () => {
    const m = matchImage([det([0, 0, 10, 10], 0.6), det([1, 0, 11, 10], 0.9)], { counted: [[0, 0, 10, 10]], ignore: [] }, opts);
    expect(m.matchedScores).toEqual([0.9]);
    expect(m.falsePositives).toBe(1);
  });

  it('matches each detection to the best free box, and a free box before an ignore box', () => {
    const g: GroundTruth = { counted: [[0, 0, 10, 10], [2, 0, 12, 10]], ignore: [[1, 0, 11, 10]] };
    const m = matchImage([det([2, 0, 12, 10], 0.9), det([0, 0, 10, 10], 0.8), det([1, 0, 11, 10], 0.7)], g, opts);
    expect(m.matchedScores).toEqual([0.8, 0.9]);
    expect(m.hits).toBe(2);
    expect(m.ignored).toBe(1); // the third overlaps only matched boxes and the ignore box
    expect(m.falsePositives).toBe(0);
  });

  it('applies the IoU threshold inclusively', () => {
    const g: GroundTruth = { counted: [[0, 0, 10, 10]], ignore: [] };
    // [0,0,10,5] inside the box: IoU = 0.5 exactly.
    expect(matchImage([det([0, 0, 10, 5], 0.9)], g, opts).hits).toBe(1);
    expect(matchImage([det([0, 0, 10, 4.9], 0.9)], g, opts).hits).toBe(0);
    expect(matchImage([det([0, 0, 10, 4], 0.9)], g, { scoreThr: 0.5, iouThr: 0.35 }).hits).toBe(1);
  });
});

describe('evaluateDetections', () => {
  it('sums over images, counting images without detections', () => {
    const gts = new Map<string, GroundTruth>([
      ['a', { counted: [[0, 0, 10, 10]], ignore: [] }],
      ['b', { counted: [[0, 0, 10, 10], [20, 20, 30, 30]], ignore: [] }],
      ['c', { counted: [], ignore: [] }],
    ]);
    const dets = new Map<string, Detection[]>([
      ['a', [det([0, 0, 10, 10], 0.9), det([50, 50, 60, 60], 0.9)]],
      ['c', [det([0, 0, 10, 10], 0.3)]],
    ]);
    const s = evaluateDetections(gts, dets, opts);
    expect(s).toEqual({ images: 3, counted: 3, hits: 1, recall: 1 / 3, falsePositives: 1, fpPerImage: 1 / 3, ignored: 0 });
    const low = evaluateDetections(gts, dets, { scoreThr: 0.3, iouThr: 0.5 });
    expect(low.falsePositives).toBe(2);
  });
});

describe('WIDER parsing', () => {
  const text = [
    'resized_416x416/0--Parade/a.jpg',
    '2',
    '10.5 20 5 6 2 0 0 0 0 0',
    '30 40 8 9 0 0 0 0 1 0',
    'resized_416x416/1--Handshaking/b.jpg',
    '0',
    '0 0 0 0 0 0 0 0 0 0',
    'resized_416x416/2--Demo/c.jpg',
    '1',
    '1 2 3 4 0 0 0 1 0 0',
    '',
  ].join('\n');

  it('reads boxes as x1 y1 x2 y2 and skips the placeholder line of an empty image', () => {
    const gt = parseWiderGt(text);
    expect([...gt.keys()]).toEqual(['resized_416x416/0--Parade/a.jpg', 'resized_416x416/1--Handshaking/b.jpg', 'resized_416x416/2--Demo/c.jpg']);
    expect(gt.get('resized_416x416/0--Parade/a.jpg')).toEqual([
      { box: [10.5, 20, 15.5, 26], attrs: [2, 0, 0, 0, 0, 0] },
      { box: [30, 40, 38, 49], attrs: [0, 0, 0, 0, 1, 0] },
    ]);
    expect(gt.get('resized_416x416/1--Handshaking/b.jpg')).toEqual([]);
    expect(gt.get('resized_416x416/2--Demo/c.jpg')![0].attrs[3]).toBe(1);
  });

  it('rejects a truncated file', () => {
    expect(() => parseWiderGt('x.jpg\n2\n1 2 3 4\n')).toThrow(/bad box line/);
  });

  it('splits boxes into counted and ignore by the 1-based indices of a setting', () => {
    const sets = parseWiderEvalSets(JSON.stringify({ images: { 'a.jpg': { easy: [2], medium: [1, 2], hard: [1, 2] } } }));
    const boxes = parseWiderGt(text).get('resized_416x416/0--Parade/a.jpg')!;
    const easy = widerGroundTruth(boxes, sets['a.jpg'].easy);
    expect(easy.counted).toEqual([[30, 40, 38, 49]]);
    expect(easy.ignore).toEqual([[10.5, 20, 15.5, 26]]);
    expect(widerGroundTruth(boxes, sets['a.jpg'].medium).ignore).toEqual([]);
    expect(() => widerGroundTruth(boxes, [3])).toThrow(/out of range/);
  });
});

describe('dlib XML parsing', () => {
  it('reads images and boxes as left, top, left+width, top+height', () => {
    const xml = `<?xml version='1.0' encoding='ISO-8859-1'?>
<dataset><images>
  <!-- <image file='commented.jpg'><box top='1' left='1' width='1' height='1'/></image> -->
  <image file='a.jpg' width='500' height='375'>
    <box top='90' left='194' width='37' height='36'/>
    <box top="114" left="158" width="45" height="44" />
  </image>
  <image file='empty.jpg'/>
  <image file='b.jpg'>
    <box top='10' left='20' width='30' height='40'><part name='0' x='1' y='2'/></box>
    <box top='1' left='1' width='5' height='5' ignore='1'/>
  </image>
</images></dataset>`;
    expect(parseDlibXml(xml)).toEqual([
      { file: 'a.jpg', boxes: [[194, 90, 231, 126], [158, 114, 203, 158]] },
      { file: 'empty.jpg', boxes: [] },
      { file: 'b.jpg', boxes: [[20, 10, 50, 50]] },
    ]);
  });
});
