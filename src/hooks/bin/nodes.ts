#!/usr/bin/env node
import { parsePassArgs } from '../args.js';
import { passMain } from '../main.js';
import { formatNodesTable, nodesOnce } from '../pass.js';

// `nodes [--runtime /etc/citc/runtime.json] [--json]`: Slurm's nodes and the cloud's instances, joined.
// --json prints {nodes: [...], summary: {...}} (`citc status` reads it over ssh).
let code: number;
try {
  const args = parsePassArgs('nodes', process.argv.slice(2));
  code = await passMain('nodes', args.runtimePath, process.env, async (ctx) => {
    const table = await nodesOnce(ctx);
    process.stdout.write(args.json ? `${JSON.stringify(table)}\n` : formatNodesTable(table));
    return 0;
  });
} catch (err) {
  process.stderr.write(`citc nodes: ${(err as Error).message}\n`);
  code = (err as { exitCode?: number }).exitCode ?? 1;
}
process.stdout.write('', () => process.exit(code));
