import { describe, expect, it } from 'vitest';
import { parseTags } from './tags.js';

describe('parseTags', () => {
  it('splits, trims, lower-cases and de-duplicates, adding the watchlist tag when asked', () => {
    expect(parseTags(' Staff, vip ,,staff', false)).toEqual(['staff', 'vip']);
    expect(parseTags('', true)).toEqual(['watchlist']);
    expect(parseTags('Watchlist', true)).toEqual(['watchlist']);
  });
});
