/**
 * Anonymous labels "Unknown N" for new tracks. The numbers come from the sighting store, so that processes sharing
 * it never give two strangers the same label; they are reserved ahead in blocks (one round trip per block), so that
 * a track has its label the moment it starts. Numbers reserved and not used (the process stopped) are skipped.
 */
export class StrangerLabels {
  private readonly numbers: number[] = [];
  private refill: Promise<void> | undefined;

  constructor(
    private readonly reserve: (count: number) => Promise<number[]>,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly block = 16,
  ) {
    this.topUp();
  }

  /** A label now when a number is reserved; else (a burst of new tracks outran the reserve) the promise of one. */
  next(): string | Promise<string> {
    const n = this.numbers.shift();
    this.topUp();
    if (n !== undefined) return `Unknown ${n}`;
    return this.fill().then(() => this.next());
  }

  private topUp(): void {
    if (this.numbers.length <= this.block / 2) this.fill().catch(this.onError);
  }

  private fill(): Promise<void> {
    // Cleared in the same turn as the numbers arrive: a top-up right after sees the reserve as it is.
    this.refill ??= this.reserve(this.block).then(
      (numbers) => {
        this.refill = undefined;
        this.numbers.push(...numbers);
      },
      (err: unknown) => {
        this.refill = undefined;
        throw err;
      },
    );
    return this.refill;
  }
}

/** Numbers from 1 in this process: for recognition that keeps no sightings. */
export function countFromOne(): (count: number) => Promise<number[]> {
  let next = 1;
  return async (count) => Array.from({ length: count }, () => next++);
}
