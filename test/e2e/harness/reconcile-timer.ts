import type { ChildProcess } from 'node:child_process';
import { startDaemon, stopDaemon } from '../../support/processes.js';

/** One run of the reconcile pass, as the timer saw it. */
export interface ReconcilePass {
  /** Epoch ms of its start and end. */
  at: number;
  end?: number;
  code?: number | null;
  stderr: string;
}

/** What the management node's systemd timer does, every `everyMs`: one pass, never two at once. */
export interface ReconcileTimer {
  passes: ReconcilePass[];
  /** Resolves when `n` more passes have ended (counted from now). */
  passesFrom(n: number): Promise<void>;
  stop(): Promise<void>;
}

/** The environment a systemd service gets: its default PATH and what the unit sets (SLURM_CONF). */
const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Starts `wrapper` (which runs `node <bundle>/reconcile.mjs --runtime <runtime.json>`) every `everyMs`,
 * counted from the start of the last pass, like a timer with OnUnitActiveSec: when a pass outlasts the
 * period, the next starts as soon as it ends (systemd does not start an active unit again).
 */
export function startReconcileTimer(wrapper: string, slurmConf: string, everyMs: number): ReconcileTimer {
  const passes: ReconcilePass[] = [];
  const waiters: { target: number; resolve: () => void }[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: { child: ChildProcess; done: Promise<void> } | undefined;
  const ended = () => passes.filter((p) => p.end !== undefined).length;
  const runPass = () => {
    if (stopped) return;
    const pass: ReconcilePass = { at: Date.now(), stderr: '' };
    passes.push(pass);
    const child = startDaemon('reconcile', wrapper, [], {
      env: { SLURM_CONF: slurmConf, PATH: SYSTEMD_PATH },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (b: Buffer) => {
      pass.stderr += b.toString();
    });
    const done = new Promise<void>((resolve) =>
      child.once('exit', (code) => {
        pass.end = Date.now();
        pass.code = code;
        running = undefined;
        const n = ended();
        for (const w of waiters.filter((x) => x.target <= n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
        if (!stopped) timer = setTimeout(runPass, Math.max(0, pass.at + everyMs - Date.now()));
        resolve();
      }),
    );
    running = { child, done };
  };
  timer = setTimeout(runPass, everyMs);
  return {
    passes,
    passesFrom: (n) =>
      new Promise((resolve) => {
        waiters.push({ target: ended() + n, resolve });
      }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // A pass that is under way finishes (systemd stops the timer, not the running unit).
      if (running) {
        const r = running;
        const late = setTimeout(() => void stopDaemon(r.child), 30_000);
        await r.done;
        clearTimeout(late);
      }
    },
  };
}
