/** Progress lines on stderr: at most one per interval, plus a final line; never on stdout. */
export class Progress {
  private last = 0;
  private readonly start = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly intervalMs = 1000,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  update(done: number, extra = ''): void {
    const now = performance.now();
    if (done < this.total && now - this.last < this.intervalMs) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? (done / secs).toFixed(1) : '0';
    this.out.write(`${this.label}: ${done}/${this.total} (${rate}/s)${extra ? ` ${extra}` : ''}\n`);
  }
}
