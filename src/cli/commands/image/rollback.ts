import { Flags } from '@oclif/core';
import { type ActivateOutcome, activateImage } from '../../../image/activate.js';
import { rollbackRecordedImage } from '../../../image/rollback.js';
import { clusterWorkDir } from '../../../state/file.js';
import { ClusterCommand, fileArg } from '../../base.js';

export default class ImageRollback extends ClusterCommand {
  static override summary = 'Make the previous compute image current again';
  static override description =
    'Swaps the current image with the newest previous one in the state file (run it twice to undo) and, on a deployed cluster, installs the change on the management node.';
  static override examples = [
    '<%= config.bin %> image rollback',
    '<%= config.bin %> image rollback prod.yaml --no-install',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'no-install': Flags.boolean({
      summary: 'Only change the state file; do not update the management node.',
      default: false,
    }),
  };

  async run(): Promise<{ current: string; replaced: string; installed: ActivateOutcome }> {
    const parsed = await this.parse(ImageRollback);
    const { flags } = parsed;
    const { config, path: configPath } = await this.loadCluster(parsed);
    const workDir = clusterWorkDir(configPath, config.name, flags['work-dir']);
    const { current, replaced } = await rollbackRecordedImage(config, workDir);
    this.log(`Compute image of ${config.name} is now ${current.id} (was ${replaced.id}).`);
    const installed: ActivateOutcome = flags['no-install']
      ? { installed: false, reason: '--no-install' }
      : await activateImage({ config, workDir, onProgress: (l) => this.progress(l) });
    if (!installed.installed) this.log(`Not installed on the management node: ${installed.reason}.`);
    return { current: current.id, replaced: replaced.id, installed };
  }
}
