import { Flags } from '@oclif/core';
import { execa } from 'execa';
import { CitcError } from '../../core/errors.js';
import { clusterWorkDir } from '../../state/file.js';
import { connectionTo } from '../../status/connect.js';
import { LOG_FILES, type LogSource, logsCommand, splitTail } from '../../status/logs.js';
import { runRemote, SSH_INSTALL_HINT } from '../../status/remote.js';
import { sshArgv } from '../../status/ssh.js';
import { findBinary } from '../../tools/find-binary.js';
import { ClusterCommand, fileArg } from '../base.js';

const SOURCES = Object.keys(LOG_FILES) as LogSource[];

export default class Logs extends ClusterCommand {
  static override summary = "Show the power-save hooks', slurmctld's and the boot log of the management node";
  static override description = `Reads the last lines of ${Object.entries(LOG_FILES)
    .map(([k, v]) => `${v} (${k})`)
    .join(
      ', ',
    )} on the management node over ssh (sudo), as \`citc ssh\` connects. --follow keeps printing new lines; --json gives each log's lines.`;
  static override examples = [
    '<%= config.bin %> logs',
    '<%= config.bin %> logs --source hooks --lines 200',
    '<%= config.bin %> logs --source slurmctld --follow',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    source: Flags.string({ summary: 'Which log (repeatable; default all).', options: SOURCES, multiple: true }),
    lines: Flags.integer({ char: 'n', summary: 'Lines of each log.', default: 50, min: 1 }),
    follow: Flags.boolean({ char: 'f', summary: 'Keep printing new lines (Ctrl-C stops).', default: false }),
    'ssh-key': Flags.string({ summary: 'Private key (default: your ssh agent).' }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'ssh-port': Flags.integer({
      summary: "The management node's SSH port (default 22; e.g. behind a port forward).",
      min: 1,
    }),
  };

  async run(): Promise<Record<string, string[]> | undefined> {
    const parsed = await this.parse(Logs);
    const { flags } = parsed;
    const { config, path } = await this.loadCluster(parsed);
    const workDir = clusterWorkDir(path, config.name, flags['work-dir']);
    const conn = await connectionTo({
      config,
      workDir,
      ...(flags['ssh-key'] && { keyFile: flags['ssh-key'] }),
      ...(flags['ssh-port'] && { port: flags['ssh-port'] }),
    });
    const sources = (flags.source as LogSource[] | undefined) ?? SOURCES;
    const command = logsCommand(sources, flags.lines, flags.follow);
    if (flags.follow) {
      const ssh = await findBinary('ssh', SSH_INSTALL_HINT);
      const r = await execa(ssh, sshArgv(conn.target, { ...conn.options, command }), {
        stdio: 'inherit',
        reject: false,
      });
      if (r.exitCode !== 0) this.exit(r.exitCode ?? 255);
      return undefined;
    }
    const r = await runRemote(conn.target, command, conn.options);
    // tail exits 1 when one of the files is missing (no hook has run yet) but prints the others.
    if (r.exitCode !== 0 && !r.stdout) {
      throw new CitcError(
        'LOGS_UNREADABLE',
        `reading the logs failed (ssh exit ${r.exitCode}): ${r.stderr.trim().split('\n').pop() ?? ''}`,
        {
          subject: `${conn.target.user}@${conn.target.host}`,
          remedy:
            'Check that you can log in with `citc ssh` (key, adminCidrs), and that the cluster was configured by `citc deploy`.',
        },
      );
    }
    if (r.stderr.trim()) this.logToStderr(r.stderr.trim());
    const byLog = splitTail(r.stdout, sources);
    for (const s of sources) {
      this.log(`==> ${s}: ${LOG_FILES[s]} <==`);
      for (const line of byLog[s] ?? []) this.log(line);
    }
    return byLog;
  }
}
