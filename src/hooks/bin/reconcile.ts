#!/usr/bin/env node
import { parsePassArgs } from '../args.js';
import { passMain } from '../main.js';
import { formatReport, reconcileOnce } from '../pass.js';

// The reconcile timer's program: `reconcile [--runtime /etc/citc/runtime.json] [--dry-run] [--json]`, one pass.
// Exit 0 done (or another pass is running), 4 some actions failed, 1 Slurm or the cloud unreadable, 2 usage.
let code: number;
try {
  const args = parsePassArgs('reconcile', process.argv.slice(2));
  code = await passMain('reconcile', args.runtimePath, process.env, async (ctx) => {
    const out = await reconcileOnce(ctx, { dryRun: args.dryRun });
    const json = 'busy' in out ? { busy: true, pid: out.busy.pid } : out.report;
    process.stdout.write(args.json ? `${JSON.stringify(json)}\n` : formatReport(out));
    return out.code;
  });
} catch (err) {
  process.stderr.write(`citc reconcile: ${(err as Error).message}\n`);
  code = (err as { exitCode?: number }).exitCode ?? 1;
}
// exit() rather than exitCode (a reply cut off at the deadline must not keep the process alive), once stdout drained.
process.stdout.write('', () => process.exit(code));
