/**
 * The long steps of a deploy or an image build (terraform apply, ansible, packer) as a person watches
 * them: on a terminal one line per step, redrawn with its elapsed time and the current activity, then
 * `✓ step  12.3 s`; elsewhere (a pipe, CI) the plain progress lines and one line per finished step, no
 * redrawing. A summary of every step's time at the end.
 */
export interface StepSink {
  begin(step: string): void;
  end(ok?: boolean): void;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface StepTime {
  step: string;
  ms: number;
  ok: boolean;
}

/** Pure: m:ss (or s.s below a minute). */
export function elapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Lines that stay on the screen on a terminal too: failures and warnings, and the commands run. */
const KEEP = /^(error|warning|fatal|failed|\$ |ERROR|UNREACHABLE)|Apply complete|Plan:|PLAY RECAP/;

export class StepProgress implements StepSink {
  private current?: { step: string; started: number; activity: string };
  private readonly done: StepTime[] = [];
  private timer?: NodeJS.Timeout;
  private drawn = false;

  constructor(
    private readonly out: ProgressStream,
    private readonly now: () => number = Date.now,
    /** Redraw the elapsed time this often on a terminal; 0: only when a line comes. */
    private readonly tickMs = 1000,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  begin(step: string): void {
    if (this.current) this.end();
    this.current = { step, started: this.now(), activity: '' };
    if (this.tty) {
      this.draw();
      if (this.tickMs > 0) {
        this.timer = setInterval(() => this.draw(), this.tickMs);
        this.timer.unref();
      }
    } else this.out.write(`${step} …\n`);
  }

  /** A progress line: the current activity on a terminal (kept if it matters), a line elsewhere. */
  line(text: string): void {
    if (!this.tty) {
      this.out.write(`${text}\n`);
      return;
    }
    if (KEEP.test(text) || !this.current) {
      this.clear();
      this.out.write(`${text}\n`);
    }
    if (this.current) {
      this.current.activity = text;
      this.draw();
    }
  }

  end(ok = true): void {
    const c = this.current;
    if (!c) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const ms = this.now() - c.started;
    this.done.push({ step: c.step, ms, ok });
    this.current = undefined;
    this.clear();
    this.out.write(
      this.tty
        ? `${ok ? '✓' : '✗'} ${c.step}  ${elapsed(ms)}\n`
        : `${c.step}: ${ok ? 'done' : 'failed'} in ${elapsed(ms)}\n`,
    );
  }

  /** Removes the redrawn line before someone else writes to the terminal. */
  clear(): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** Every finished step with its time, and the total. */
  summary(): string[] {
    if (this.current) this.end(false);
    const total = this.done.reduce((n, s) => n + s.ms, 0);
    const width = Math.max(0, ...this.done.map((s) => s.step.length));
    return [
      ...this.done.map((s) => `  ${s.step.padEnd(width)}  ${elapsed(s.ms).padStart(7)}${s.ok ? '' : '  failed'}`),
      `  ${'total'.padEnd(width)}  ${elapsed(total).padStart(7)}`,
    ];
  }

  times(): StepTime[] {
    return [...this.done];
  }

  private draw(): void {
    const c = this.current;
    if (!c) return;
    const head = `… ${c.step}  ${elapsed(this.now() - c.started)}`;
    const text = c.activity ? `${head} — ${c.activity}` : head;
    const width = Math.max(20, (this.out.columns ?? 80) - 1);
    this.out.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.drawn = true;
  }
}
