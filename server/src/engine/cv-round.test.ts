import { describe, expect, it } from 'vitest';
import { cvRound } from './cv-round.js';

describe('cvRound', () => {
  it('rounds halves to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001, 3].map(cvRound)).toEqual([0, 2, 2, -0, -2, 2, 3, 3]);
  });
});
