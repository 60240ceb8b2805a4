import { describe, expect, it } from 'vitest';
import type { Box } from '../engine/types.js';
import { boxToMeasurement, KalmanBox, measurementToBox } from './kalman-box.js';

const square = (cx: number, cy: number, side: number): Box => [cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2];
const expectBoxClose = (a: Box, b: Box, digits: number) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
const trace = (cov: number[]) => [0, 1, 2, 3, 4, 5, 6].reduce((sum, i) => sum + cov[i * 7 + i], 0);

describe('KalmanBox', () => {
  it('converts boxes to [cx, cy, area, aspect] and back', () => {
    const box: Box = [10, 20, 50, 100];
    expect(boxToMeasurement(box)).toEqual([30, 60, 3200, 0.5]);
    expectBoxClose(measurementToBox(30, 60, 3200, 0.5), box, 12);
    expectBoxClose(new KalmanBox(box).box(), box, 12);
    expect(new KalmanBox(box).velocity()).toEqual([0, 0]);
  });

  it('converges on a box moving at constant velocity, and learns that velocity', () => {
    const truth = (k: number): Box => [100 + 3 * k, 200 - 2 * k, 160 + 3 * k, 280 - 2 * k];
    const f = new KalmanBox(truth(0));
    const errors: number[] = [];
    for (let k = 1; k <= 40; k++) {
      f.predict();
      errors.push(Math.max(...f.box().map((v, i) => Math.abs(v - truth(k)[i]))));
      f.update(truth(k));
    }
    // The first prediction assumes a standing face (3 px off); later ones extrapolate the learned velocity.
    expect(errors[0]).toBeCloseTo(3, 6);
    expect(errors[39]).toBeLessThan(0.05);
    const [vx, vy] = f.velocity();
    expect(vx).toBeCloseTo(3, 2);
    expect(vy).toBeCloseTo(-2, 2);
    expectBoxClose(f.box(), truth(40), 2);
  });

  it('predicts dt frame intervals ahead along the velocity', () => {
    const f = new KalmanBox(square(0, 0, 50));
    for (let k = 1; k <= 30; k++) {
      f.predict();
      f.update(square(5 * k, 0, 50));
    }
    const [cx] = boxToMeasurement(f.box());
    f.predict(3);
    expect(boxToMeasurement(f.box())[0] - cx).toBeCloseTo(15, 1);
    f.predict(0.5);
    expect(boxToMeasurement(f.box())[0] - cx).toBeCloseTo(17.5, 1);
  });

  it('treats predict(2) like two predict(1) and predict(0.5) x 4 (noise adds up in continuous time)', () => {
    const one = new KalmanBox(square(100, 100, 40));
    const two = new KalmanBox(square(100, 100, 40));
    const halves = new KalmanBox(square(100, 100, 40));
    one.predict(1);
    one.predict(1);
    two.predict(2);
    for (let i = 0; i < 4; i++) halves.predict(0.5);
    for (const other of [two, halves]) {
      other.mean().forEach((v, i) => expect(v).toBeCloseTo(one.mean()[i], 9));
      other.covariance().forEach((v, i) => expect(v).toBeCloseTo(one.covariance()[i], 6));
    }
    const fresh = new KalmanBox(square(100, 100, 40));
    expect(trace(one.covariance())).toBeGreaterThan(trace(fresh.covariance()));
    fresh.predict(0);
    expect(fresh.covariance()).toEqual(new KalmanBox(square(100, 100, 40)).covariance());
    expect(() => fresh.predict(-1)).toThrow(RangeError);
    expect(() => fresh.predict(NaN)).toThrow(RangeError);
  });

  it('pulls the estimate towards a measurement and shrinks its uncertainty', () => {
    const f = new KalmanBox(square(100, 100, 40));
    f.predict();
    const before = trace(f.covariance());
    f.update(square(110, 100, 40));
    const [cx] = boxToMeasurement(f.box());
    expect(cx).toBeGreaterThan(100);
    expect(cx).toBeLessThan(110);
    expect(trace(f.covariance())).toBeLessThan(before);
    // The covariance stays symmetric.
    const cov = f.covariance();
    for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) expect(cov[i * 7 + j]).toBeCloseTo(cov[j * 7 + i], 9);
  });

  it('never lets a shrinking box reach zero area', () => {
    const f = new KalmanBox(square(100, 100, 100));
    for (let k = 1; k <= 8; k++) {
      f.predict();
      f.update(square(100, 100, 100 - 11 * k)); // area falls fast: a face receding quickly
    }
    for (let k = 0; k < 200; k++) {
      f.predict(2);
      const [x1, y1, x2, y2] = f.box();
      expect([x1, y1, x2, y2].every(Number.isFinite)).toBe(true);
      expect(x2 - x1).toBeGreaterThan(0);
      expect(y2 - y1).toBeGreaterThan(0);
    }
  });

  it('holds the size but not the motion when told to (a lost face keeps its size)', () => {
    const f = new KalmanBox(square(100, 100, 100));
    for (let k = 1; k <= 8; k++) {
      f.predict();
      f.update(square(100 + 5 * k, 100, 100 - 5 * k));
    }
    const [, , s0] = f.mean();
    f.holdSize();
    for (let k = 0; k < 10; k++) f.predict();
    const [cx, , s, , , , vs] = f.mean();
    expect(vs).toBe(0);
    expect(s).toBeCloseTo(s0, 6);
    expect(cx).toBeGreaterThan(100 + 5 * 8 + 5 * 8);
  });

  it('still updates after a very long prediction (variances decades apart)', () => {
    const f = new KalmanBox(square(100, 100, 50));
    f.predict();
    f.update(square(104, 100, 50));
    for (let k = 0; k < 100; k++) f.predict(100);
    f.update(square(300, 120, 50));
    expectBoxClose(f.box(), square(300, 120, 50), 1);
    expect(f.mean().every(Number.isFinite)).toBe(true);
  });

  it('tracks alike at any scale (noise is relative to the box)', () => {
    const run = (scale: number) => {
      const f = new KalmanBox(square(10 * scale, 10 * scale, 8 * scale));
      for (let k = 1; k <= 15; k++) {
        f.predict();
        const wobble = k % 3 === 0 ? 0.5 : -0.3;
        f.update(square((10 + 0.7 * k + wobble) * scale, (10 - 0.2 * k) * scale, (8 + 0.1 * k) * scale));
      }
      f.predict(2);
      return f.box();
    };
    const small = run(1);
    const large = run(10);
    small.forEach((v, i) => expect(large[i] / 10).toBeCloseTo(v, 9));
  });
});
