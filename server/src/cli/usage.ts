/** A command-line usage error: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`${name} must be a non-negative integer, got "${raw}"`);
  return v;
}

export function unitFloat(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < -1 || v > 1) throw new UsageError(`${name} must be a number between -1 and 1, got "${raw}"`);
  return v;
}
