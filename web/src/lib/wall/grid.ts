/** Wall layout math: square grids of 1, 4, 9 or 16 tiles, tile ↔ camera joins and arrow-key moves between tiles. */
export const GRIDS = [1, 4, 9, 16] as const;
export type GridSize = (typeof GRIDS)[number];

export function isGridSize(n: number): n is GridSize {
  return (GRIDS as readonly number[]).includes(n);
}

export function columns(grid: number): number {
  return Math.max(1, Math.round(Math.sqrt(grid)));
}

/** The smallest grid that holds n cameras (at most 16). */
export function gridFor(n: number): GridSize {
  return GRIDS.find((g) => g >= n) ?? 16;
}

export type ArrowKey = 'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown' | 'Home' | 'End';

/** The tile an arrow key moves to from `index` (stays put at the edges). */
export function moveFrom(index: number, key: ArrowKey, grid: number): number {
  const cols = columns(grid);
  const row = Math.floor(index / cols);
  const col = index % cols;
  switch (key) {
    case 'ArrowLeft':
      return col > 0 ? index - 1 : index;
    case 'ArrowRight':
      return col < cols - 1 && index + 1 < grid ? index + 1 : index;
    case 'ArrowUp':
      return row > 0 ? index - cols : index;
    case 'ArrowDown':
      return index + cols < grid ? index + cols : index;
    case 'Home':
      return 0;
    case 'End':
      return grid - 1;
  }
}

export interface WallShape {
  grid: number;
  tiles: readonly (string | null)[];
  pinned: readonly number[];
  focused: number | null;
}

export interface TileView<C> {
  index: number;
  cameraId: string | null;
  /** The camera, when it exists and is in the caller's scope. */
  camera: C | null;
  pinned: boolean;
  focused: boolean;
}

/** Every tile of the wall with its camera (a tile whose camera was removed or is out of scope shows as missing). */
export function tileViews<C extends { id: string }>(wall: WallShape, cameras: readonly C[]): TileView<C>[] {
  const byId = new Map(cameras.map((c) => [c.id, c]));
  return Array.from({ length: wall.grid }, (_, index) => {
    const cameraId = wall.tiles[index] ?? null;
    return {
      index,
      cameraId,
      camera: cameraId ? (byId.get(cameraId) ?? null) : null,
      pinned: wall.pinned.includes(index),
      focused: wall.focused === index,
    };
  });
}

/** A private wall (viewers do not share the operators' wall): their cameras in order, in the smallest grid. */
export function localWall(cameraIds: readonly string[]): WallShape {
  const grid = gridFor(cameraIds.length);
  return { grid, tiles: Array.from({ length: grid }, (_, i) => cameraIds[i] ?? null), pinned: [], focused: null };
}

/** Cameras not on any tile yet: the first empty tile should offer these. */
export function unplacedCameras<C extends { id: string }>(wall: WallShape, cameras: readonly C[]): C[] {
  const placed = new Set(wall.tiles.filter((t): t is string => !!t));
  return cameras.filter((c) => !placed.has(c.id));
}

export interface WallTemplate {
  columns: string;
  rows: string;
  /** CSS grid-row / grid-column of the focused tile (spotlight), if any. */
  focusedRow?: string;
  focusedColumn?: string;
}

/**
 * The CSS grid of the wall. Without focus: n×n equal cells. With a focused tile: a spotlight, the focused tile large on
 * the left and the others in one or two narrow columns on the right (tiles keep their elements, so no video restarts).
 */
export function wallTemplate(grid: number, focused: number | null): WallTemplate {
  const cols = columns(grid);
  if (focused === null || grid === 1 || focused < 0 || focused >= grid) {
    return { columns: `repeat(${cols}, minmax(0, 1fr))`, rows: `repeat(${cols}, minmax(0, 1fr))` };
  }
  const others = grid - 1;
  const stripCols = others > 8 ? 2 : 1;
  const rows = Math.ceil(others / stripCols);
  return {
    columns: `minmax(0, ${stripCols === 2 ? 5 : 4}fr) repeat(${stripCols}, minmax(0, 1fr))`,
    rows: `repeat(${rows}, minmax(0, 1fr))`,
    focusedRow: `1 / span ${rows}`,
    focusedColumn: '1',
  };
}
