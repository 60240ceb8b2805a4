import { describe, expect, it } from 'vitest';
import { columns, gridFor, isGridSize, localWall, moveFrom, tileViews, unplacedCameras, wallTemplate } from './grid.js';

describe('wall grid', () => {
  it('lays 1/4/9/16 tiles out in square grids', () => {
    expect([1, 4, 9, 16].map(columns)).toEqual([1, 2, 3, 4]);
    expect(isGridSize(9)).toBe(true);
    expect(isGridSize(6)).toBe(false);
  });

  it('picks the smallest grid for a number of cameras', () => {
    expect([0, 1, 2, 4, 5, 9, 10, 16, 40].map(gridFor)).toEqual([1, 1, 4, 4, 9, 9, 16, 16, 16]);
  });

  it('moves between tiles with arrow keys and stops at the edges', () => {
    // 3x3: 0 1 2 / 3 4 5 / 6 7 8
    expect(moveFrom(4, 'ArrowLeft', 9)).toBe(3);
    expect(moveFrom(4, 'ArrowRight', 9)).toBe(5);
    expect(moveFrom(4, 'ArrowUp', 9)).toBe(1);
    expect(moveFrom(4, 'ArrowDown', 9)).toBe(7);
    expect(moveFrom(3, 'ArrowLeft', 9)).toBe(3);
    expect(moveFrom(5, 'ArrowRight', 9)).toBe(5);
    expect(moveFrom(1, 'ArrowUp', 9)).toBe(1);
    expect(moveFrom(7, 'ArrowDown', 9)).toBe(7);
    expect(moveFrom(7, 'Home', 9)).toBe(0);
    expect(moveFrom(0, 'End', 16)).toBe(15);
    expect(moveFrom(0, 'ArrowRight', 1)).toBe(0);
  });

  it('joins tiles with cameras, marking missing ones, pins and focus', () => {
    const cams = [{ id: 'a' }, { id: 'b' }];
    const views = tileViews({ grid: 4, tiles: ['a', null, 'gone', 'b'], pinned: [3], focused: 0 }, cams);
    expect(views.map((v) => [v.index, v.cameraId, v.camera?.id ?? null, v.pinned, v.focused])).toEqual([
      [0, 'a', 'a', false, true],
      [1, null, null, false, false],
      [2, 'gone', null, false, false],
      [3, 'b', 'b', true, false],
    ]);
  });

  it('fills short tile lists with empty tiles', () => {
    expect(tileViews({ grid: 4, tiles: ['a'], pinned: [], focused: null }, [{ id: 'a' }]).map((v) => v.cameraId)).toEqual(['a', null, null, null]);
  });

  it('builds a private wall from a camera list', () => {
    expect(localWall(['a', 'b', 'c'])).toEqual({ grid: 4, tiles: ['a', 'b', 'c', null], pinned: [], focused: null });
    expect(localWall([]).grid).toBe(1);
  });

  it('lists cameras not on the wall', () => {
    expect(unplacedCameras({ grid: 4, tiles: ['a', null, null, null], pinned: [], focused: null }, [{ id: 'a' }, { id: 'b' }])).toEqual([{ id: 'b' }]);
  });
});

describe('wallTemplate', () => {
  it('uses n×n equal cells without focus', () => {
    expect(wallTemplate(9, null)).toEqual({ columns: 'repeat(3, minmax(0, 1fr))', rows: 'repeat(3, minmax(0, 1fr))' });
  });
  it('puts a focused tile in a spotlight with the others beside it', () => {
    expect(wallTemplate(4, 2)).toEqual({ columns: 'minmax(0, 4fr) repeat(1, minmax(0, 1fr))', rows: 'repeat(3, minmax(0, 1fr))', focusedRow: '1 / span 3', focusedColumn: '1' });
    const big = wallTemplate(16, 0);
    expect(big.columns).toBe('minmax(0, 5fr) repeat(2, minmax(0, 1fr))');
    expect(big.rows).toBe('repeat(8, minmax(0, 1fr))');
  });
  it('ignores a focus outside the grid and a 1-tile wall', () => {
    expect(wallTemplate(4, 7).focusedRow).toBeUndefined();
    expect(wallTemplate(1, 0).focusedRow).toBeUndefined();
  });
});
