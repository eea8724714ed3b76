import { Flags } from '@oclif/core';
import { DEFAULT_RUNTIME_PATH } from '../../core/runtime.js';
import { withContext } from '../../hooks/main.js';
import { formatNodesTable, nodesOnce } from '../../hooks/pass.js';
import type { NodesTable } from '../../hooks/reconcile.js';
import { CitcCommand } from '../base.js';

export default class Nodes extends CitcCommand {
  static override summary = "Slurm's nodes and the cloud's instances of the cluster, joined in one table";
  static override description =
    'One row per node Slurm lists or the cloud runs an instance for: Slurm state and reason, instance id, type, zone, private address, age, and flags: orphan (an instance no node wants), unbacked (Slurm thinks it up, its instance is gone), stuck (citc gave up returning it, or a person holds it), duplicate (two instances for one node), denied (a type and zone of its shape on the capacity deny-list). Run it on the management node; changes nothing. --json prints {nodes: [...], summary: {...}}.';
  static override examples = ['<%= config.bin %> nodes', '<%= config.bin %> nodes --json'];
  static override enableJsonFlag = true;
  static override flags = {
    runtime: Flags.string({ summary: 'The hooks’ runtime file.', default: DEFAULT_RUNTIME_PATH }),
  };

  async run(): Promise<NodesTable> {
    const { flags } = await this.parse(Nodes);
    const table = await withContext('nodes', flags.runtime, process.env, (ctx) => nodesOnce(ctx));
    if (!this.jsonEnabled()) process.stdout.write(formatNodesTable(table));
    return table;
  }
}
