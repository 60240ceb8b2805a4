/** OpenCV's cvRound / saturate_cast rounding: half to even (the FPU's default mode), unlike Math.round. */
export function cvRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
