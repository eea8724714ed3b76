import { execFile } from 'node:child_process';
import { CitcError, ExitCode } from '../core/errors.js';
import type { AddressUpdate, DownUpdate } from '../core/plan/slurm-updates.js';

/**
 * scontrol by absolute path with an explicit environment: Slurm starts the hooks with no PATH, and
 * only SLURM_CONF tells scontrol which controller to talk to.
 */
export interface ScontrolOptions {
  /** Absolute path of scontrol (runtime.paths.scontrol). */
  path: string;
  /** SLURM_CONF as the hook received it; absent means scontrol's built-in default. */
  slurmConf?: string | undefined;
  timeoutMs?: number;
  /** Called after every call, for the log: the arguments, how long it took, and the error if any. */
  onCall?: (call: { args: string[]; ms: number; error?: string }) => void;
}

export class Scontrol {
  constructor(private readonly opts: ScontrolOptions) {}

  run(args: string[]): Promise<string> {
    const env: NodeJS.ProcessEnv = this.opts.slurmConf ? { SLURM_CONF: this.opts.slurmConf } : {};
    const started = Date.now();
    return new Promise((resolve, reject) => {
      // `show nodes -o` prints about 600 bytes a node: 10,000 nodes need 6 MB, past execFile's 1 MB default.
      execFile(
        this.opts.path,
        args,
        { env, timeout: this.opts.timeoutMs ?? 20_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const ms = Date.now() - started;
          if (err) {
            const detail = (stderr || stdout || err.message).trim().split('\n')[0] ?? err.message;
            this.opts.onCall?.({ args, ms, error: detail });
            const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
            reject(
              new CitcError(
                missing ? 'SCONTROL_MISSING' : 'SCONTROL_FAILED',
                `scontrol ${args.join(' ')} failed: ${detail}`,
                {
                  subject: this.opts.path,
                  remedy: missing
                    ? 'Set paths.scontrol in runtime.json to the absolute path of scontrol.'
                    : 'Check that slurmctld is up (scontrol ping) and that SLURM_CONF points at its slurm.conf.',
                  exitCode: missing ? ExitCode.missingTool : ExitCode.failure,
                  cause: err,
                },
              ),
            );
            return;
          }
          this.opts.onCall?.({ args, ms });
          resolve(stdout);
        },
      );
    });
  }

  /** Tells Slurm where launched nodes live; the three lists must be the same length. */
  async setAddresses(u: AddressUpdate): Promise<void> {
    if (u.nodes.length === 0) return;
    await this.run([
      'update',
      `nodename=${u.nodes.join(',')}`,
      `nodeaddr=${u.addrs.join(',')}`,
      `nodehostname=${u.hostnames.join(',')}`,
    ]);
  }

  /**
   * Fails nodes now instead of at ResumeTimeout: DOWN with the reason, then POWER_DOWN_FORCE. Checked
   * on 22.05: DOWN requeues the nodes' jobs at once and POWER_DOWN_FORCE makes slurmctld power the
   * nodes down (SuspendProgram) right away; plain POWER_DOWN leaves a configuring job waiting.
   */
  async markDown(u: DownUpdate): Promise<void> {
    if (u.nodes.length === 0) return;
    const nodes = `nodename=${u.nodes.join(',')}`;
    await this.run(['update', nodes, 'state=down', `reason=${u.reason}`]);
    await this.run(['update', nodes, 'state=power_down_force']);
  }

  /** Every node, one line each (`show nodes -o`): parsed by core/reconcile/slurm-nodes.ts. */
  showNodes(): Promise<string> {
    return this.run(['show', 'nodes', '-o']);
  }

  /** POWER_DOWN_FORCE: slurmctld runs SuspendProgram for them now; a DOWN node keeps its reason. */
  async powerDown(nodes: readonly string[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.run(['update', `nodename=${nodes.join(',')}`, 'state=power_down_force']);
  }

  /** Back in service: a DOWN+POWERED_DOWN node becomes IDLE+POWERED_DOWN, its reason cleared. */
  async resume(nodes: readonly string[]): Promise<void> {
    if (nodes.length === 0) return;
    await this.run(['update', `nodename=${nodes.join(',')}`, 'state=resume']);
  }
}
