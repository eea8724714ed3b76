import { Args, Flags } from '@oclif/core';
import { execa } from 'execa';
import { clusterWorkDir } from '../../state/file.js';
import { connectionTo } from '../../status/connect.js';
import { SSH_INSTALL_HINT } from '../../status/remote.js';
import { sshArgv } from '../../status/ssh.js';
import { findBinary } from '../../tools/find-binary.js';
import { ClusterCommand } from '../base.js';

export default class Ssh extends ClusterCommand {
  static override summary = 'Open a shell on the management node, or on a compute node through it';
  static override description =
    "Connects with the user and address deploy recorded, the cluster's own known_hosts file (.citc/<cluster>/known_hosts: a host key is trusted the first time, then must not change) and --ssh-key or your ssh agent. With NODE (compute-c5-1), the cloud gives the node's private address and the management node is the jump host. Words after -- run as a command instead of a shell. --print shows the ssh command instead of running it.";
  static override examples = [
    '<%= config.bin %> ssh',
    '<%= config.bin %> ssh compute-c5-1',
    '<%= config.bin %> ssh -- sinfo -R',
    '<%= config.bin %> ssh --print --ssh-key ~/.ssh/id_ed25519',
  ];
  static override strict = false;
  static override args = { node: Args.string({ description: 'A compute node (default: the management node).' }) };
  static override flags = {
    'ssh-key': Flags.string({ summary: 'Private key (default: your ssh agent).' }),
    print: Flags.boolean({ summary: 'Print the ssh command line; do not run it.', default: false }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'ssh-port': Flags.integer({
      summary: "The management node's SSH port (default 22; e.g. behind a port forward).",
      min: 1,
    }),
  };

  async run(): Promise<void> {
    const dash = this.argv.indexOf('--');
    const command = dash >= 0 ? this.argv.slice(dash + 1) : [];
    const parsed = await this.parse(Ssh, dash >= 0 ? this.argv.slice(0, dash) : this.argv);
    const { args, flags } = parsed;
    const { config, path } = await this.loadCluster({ args: {}, flags });
    const workDir = clusterWorkDir(path, config.name, flags['work-dir']);
    const conn = await connectionTo({
      config,
      workDir,
      ...(args.node && { node: args.node }),
      ...(flags['ssh-key'] && { keyFile: flags['ssh-key'] }),
      ...(flags['ssh-port'] && { port: flags['ssh-port'] }),
    });
    const argv = sshArgv(conn.target, { ...conn.options, command, tty: command.length === 0 });
    if (flags.print) {
      this.log(
        ['ssh', ...argv].map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(' '),
      );
      return;
    }
    const ssh = await findBinary('ssh', SSH_INSTALL_HINT);
    const r = await execa(ssh, argv, { stdio: 'inherit', reject: false });
    if (r.exitCode !== 0) this.exit(r.exitCode ?? 255);
  }
}
