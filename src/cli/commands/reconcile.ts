import { Flags } from '@oclif/core';
import { DEFAULT_RUNTIME_PATH } from '../../core/runtime.js';
import { withContext } from '../../hooks/main.js';
import { formatReport, reconcileOnce } from '../../hooks/pass.js';
import type { PassReport } from '../../hooks/reconcile.js';
import { CitcCommand } from '../base.js';

export default class Reconcile extends CitcCommand {
  static override summary =
    'One reconcile pass on the management node: compare the cloud with Slurm and repair what differs';
  static override description =
    "Reads Slurm's nodes (scontrol) and the cloud's instances of the cluster afresh, gives each a status and applies one action per status: terminates orphans (no node wants them, older than reconcile.orphanGraceSeconds), duplicates and stopped instances; sets nodes whose instance is gone DOWN (`citc: instance <id> <state>`) and powers them down so their jobs requeue; sets an address Slurm lacks; returns nodes citc set down to service once the cause has passed (at most 3 times an hour). The timer installed on the management node runs the same pass every reconcile.intervalSeconds; one pass runs at a time. Exit 0 done, 4 some actions failed, 1 Slurm or the cloud could not be read.";
  static override examples = [
    '<%= config.bin %> reconcile --dry-run',
    '<%= config.bin %> reconcile --json',
    '<%= config.bin %> reconcile --runtime /etc/citc/runtime.json',
  ];
  static override enableJsonFlag = true;
  static override flags = {
    runtime: Flags.string({ summary: 'The hooks’ runtime file.', default: DEFAULT_RUNTIME_PATH }),
    'dry-run': Flags.boolean({ summary: 'Print what the pass would do; change nothing.', default: false }),
  };

  async run(): Promise<PassReport | { busy: true; pid: number | null }> {
    const { flags } = await this.parse(Reconcile);
    const out = await withContext('reconcile', flags.runtime, process.env, (ctx) =>
      reconcileOnce(ctx, { dryRun: flags['dry-run'] }),
    );
    if (!this.jsonEnabled()) process.stdout.write(formatReport(out));
    if (out.code !== 0) process.exitCode = out.code;
    return 'busy' in out ? { busy: true, pid: out.busy.pid } : out.report;
  }
}
