#!/usr/bin/env node
import { parsePassArgs } from '../args.js';
import { passMain } from '../main.js';
import { nodesCommand } from '../pass.js';

// `nodes [--runtime /etc/citc/runtime.json] [--json]`: Slurm's nodes and the cloud's instances, joined.
const argv = process.argv.slice(2);
let code: number;
try {
  const args = parsePassArgs('nodes', argv);
  code = await passMain('nodes', args.runtimePath, process.env, (ctx) =>
    nodesCommand(ctx, args, (t) => process.stdout.write(t)),
  );
} catch (err) {
  process.stderr.write(`citc nodes: ${(err as Error).message}\n`);
  code = (err as { exitCode?: number }).exitCode ?? 1;
}
// stdout may be a pipe: let it drain before exiting.
process.stdout.write('', () => process.exit(code));
