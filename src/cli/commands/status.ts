import { Flags } from '@oclif/core';
import { clusterWorkDir, readState, statePath } from '../../state/file.js';
import { statusCloud } from '../../status/cloud/index.js';
import { type ClusterStatus, collectStatus, formatStatus } from '../../status/status.js';
import { ClusterCommand, fileArg } from '../base.js';

export default class Status extends ClusterCommand {
  static override summary = 'Show the management node, the compute image, the nodes and what bills now';
  static override description =
    "Asks the cloud for the management node (its state and address) and the cluster's compute instances, reads the recorded image from the state file, and asks the management node over ssh for every Slurm node's state (`/opt/citc/bin/nodes --json`; --no-nodes skips it). A part that cannot be read is reported as such; status itself fails only on a bad cluster file or state file.";
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json --no-nodes'];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    nodes: Flags.boolean({
      summary: 'Ask the management node for the Slurm nodes over ssh.',
      default: true,
      allowNo: true,
    }),
    'ssh-key': Flags.string({ summary: 'Private key for the management node (default: your ssh agent).' }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'ssh-port': Flags.integer({
      summary: "The management node's SSH port (default 22; e.g. behind a port forward).",
      min: 1,
    }),
  };

  async run(): Promise<ClusterStatus> {
    const parsed = await this.parse(Status);
    const { flags } = parsed;
    const { config, path } = await this.loadCluster(parsed);
    const workDir = clusterWorkDir(path, config.name, flags['work-dir']);
    const cloud = await statusCloud(config, await readState(statePath(workDir)));
    const status = await collectStatus({
      config,
      workDir,
      cloud,
      nodes: flags.nodes,
      ...(flags['ssh-key'] && { sshKeyFile: flags['ssh-key'] }),
      ...(flags['ssh-port'] && { sshPort: flags['ssh-port'] }),
    });
    for (const line of formatStatus(status)) this.log(line);
    return status;
  }
}
