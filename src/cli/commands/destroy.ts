import { createInterface } from 'node:readline/promises';
import { Flags } from '@oclif/core';
import { CitcError, ExitCode } from '../../core/errors.js';
import { type DestroyResult, destroyCluster } from '../../destroy/destroy.js';
import { clusterWorkDir } from '../../state/file.js';
import { ClusterCommand, fileArg } from '../base.js';

export default class Destroy extends ClusterCommand {
  static override summary = 'Terminate every compute node of the cluster, then destroy its infrastructure';
  static override description =
    "Lists the compute instances carrying the cluster's tag (aws) or label (gcp), terminates them and waits until they are gone, lists again until no more appear (slurmctld may launch nodes meanwhile), then runs terraform (or tofu) destroy. Asks for the cluster name first unless --yes; without a terminal it refuses (exit 5). Safe to run again, and after a deploy that stopped half way. Other clusters' instances are never touched.";
  static override examples = ['<%= config.bin %> destroy', '<%= config.bin %> destroy examples/aws.yaml --yes'];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.', default: false }),
    tool: Flags.string({
      summary: 'Terraform or OpenTofu (default: terraform, else tofu, from PATH).',
      options: ['terraform', 'tofu'],
    }),
    wait: Flags.integer({
      summary: 'Seconds to wait for compute instances to be gone (all rounds together).',
      default: 600,
      min: 1,
    }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
  };

  async run(): Promise<DestroyResult> {
    const parsed = await this.parse(Destroy);
    const { flags } = parsed;
    const { config, path: configPath } = await this.loadCluster(parsed);
    if (!flags.yes) await this.confirm(config.name, config.provider.kind);
    const result = await destroyCluster({
      config,
      workDir: clusterWorkDir(configPath, config.name, flags['work-dir']),
      waitMs: flags.wait * 1000,
      ...(flags.tool && { tool: flags.tool as 'terraform' | 'tofu' }),
      onProgress: (line) => this.progress(line),
    });
    const { found, rounds } = result.instances;
    // More than one round: slurmctld launched nodes while destroy ran; say so, it explains the count.
    const n = `${found.length} compute instance(s) terminated${rounds > 1 ? ` in ${rounds} rounds` : ''}`;
    this.log(
      result.infrastructure === 'destroyed'
        ? `Destroyed ${config.name}: ${n}, infrastructure deleted.`
        : `${config.name}: ${n}; no infrastructure is recorded, so there was nothing else to destroy.`,
    );
    return result;
  }

  /** The cluster name must be typed back: a y/N is too easy to give to the wrong cluster. */
  private async confirm(cluster: string, cloud: string): Promise<void> {
    if (!process.stdin.isTTY) {
      throw new CitcError('DESTROY_NOT_CONFIRMED', 'refusing to destroy without confirmation (no terminal to ask on)', {
        subject: cluster,
        remedy: 'Pass --yes to destroy without asking.',
        exitCode: ExitCode.aborted,
      });
    }
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(
      `This terminates every compute node of ${cluster} on ${cloud} and deletes its network, management node and shared storage.\nType the cluster name (${cluster}) to go on: `,
    );
    rl.close();
    if (answer.trim() !== cluster) {
      throw new CitcError('DESTROY_NOT_CONFIRMED', `the answer was not ${cluster}; nothing was destroyed`, {
        subject: cluster,
        remedy: 'Run it again and type the cluster name, or pass --yes.',
        exitCode: ExitCode.aborted,
      });
    }
  }
}
