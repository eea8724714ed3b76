import { createInterface } from 'node:readline/promises';
import { Flags } from '@oclif/core';
import { CitcError, ExitCode } from '../../../core/errors.js';
import { type PruneResult, pruneImages } from '../../../image/list.js';
import { clusterWorkDir } from '../../../state/file.js';
import { ClusterCommand, fileArg } from '../../base.js';

export default class ImagePrune extends ClusterCommand {
  static override summary = "Delete the cluster's old compute images, keeping the recorded one and the one before it";
  static override description =
    'Deletes every image of the cluster in the cloud except the current one, the previous one (the roll-back target) and one pinned with image.id: on aws the AMI is deregistered and its snapshots deleted, on gcp the image is deleted. Deleted images leave the roll-back list of the state file. Asks first unless --yes; --dry-run lists what would go.';
  static override examples = ['<%= config.bin %> image prune --dry-run', '<%= config.bin %> image prune --yes --json'];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    'dry-run': Flags.boolean({ summary: 'List what would be deleted; delete nothing.', default: false }),
    yes: Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation.', default: false }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
  };

  async run(): Promise<PruneResult> {
    const parsed = await this.parse(ImagePrune);
    const { flags } = parsed;
    const { config, path } = await this.loadCluster(parsed);
    const workDir = clusterWorkDir(path, config.name, flags['work-dir']);
    const plan = await pruneImages({ config, workDir, dryRun: true });
    for (const r of plan.kept) this.log(`keep   ${r.id} (${r.role})`);
    for (const r of plan.deleted)
      this.log(`delete ${r.id} (${r.role})${r.snapshots.length ? ` with ${r.snapshots.join(', ')}` : ''}`);
    if (flags['dry-run'] || plan.deleted.length === 0) {
      this.log(plan.deleted.length === 0 ? 'Nothing to prune.' : 'Dry run: nothing was deleted.');
      return plan;
    }
    if (!flags.yes) await this.confirm(plan.deleted.length);
    const result = await pruneImages({ config, workDir, onProgress: (l) => this.progress(l) });
    this.log(`Deleted ${result.deleted.length} image(s); kept ${result.kept.length}.`);
    return result;
  }

  private async confirm(n: number): Promise<void> {
    const refuse = (why: string, remedy: string) =>
      new CitcError('PRUNE_NOT_CONFIRMED', why, { subject: 'citc image prune', remedy, exitCode: ExitCode.aborted });
    if (!process.stdin.isTTY)
      throw refuse('refusing to delete images without confirmation (no terminal to ask on)', 'Pass --yes.');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`Delete ${n} image(s)? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim()))
      throw refuse('not confirmed; nothing was deleted', 'Run it again and answer y, or pass --yes.');
  }
}
