#!/usr/bin/env node
import { parsePassArgs } from '../args.js';
import { passMain } from '../main.js';
import { reconcileCommand } from '../pass.js';

// The reconcile timer's program: `reconcile [--runtime /etc/citc/runtime.json] [--dry-run] [--json]`, one pass.
// exit() rather than exitCode: a reply cut off at the deadline must not keep the process alive.
const argv = process.argv.slice(2);
let code: number;
try {
  const args = parsePassArgs('reconcile', argv);
  code = await passMain('reconcile', args.runtimePath, process.env, (ctx) =>
    reconcileCommand(ctx, args, (t) => process.stdout.write(t)),
  );
} catch (err) {
  process.stderr.write(`citc reconcile: ${(err as Error).message}\n`);
  code = (err as { exitCode?: number }).exitCode ?? 1;
}
process.stdout.write('', () => process.exit(code));
