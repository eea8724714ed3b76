import { resolve } from 'node:path';
import { Command, Flags } from '@oclif/core';
import { loadClusterConfig } from '../../../config/load.js';
import { CitcError } from '../../../core/errors.js';
import { type ActivateOutcome, activateImage } from '../../../image/activate.js';
import { type RebuildImageResult, rebuildImage } from '../../../image/rebuild.js';
import { clusterWorkDir } from '../../../state/file.js';

export default class ImageRebuild extends Command {
  static override summary = 'Build the compute image with packer and make it the one compute nodes boot';
  static override description =
    'Renders the Packer template into the work dir, runs packer (init for Packer 1.7+, then build), records the new image in the state file (the old one is kept for `citc image rollback`) and, on a deployed cluster, installs it on the management node.';
  static override examples = ['<%= config.bin %> image rebuild', '<%= config.bin %> image rebuild -c prod.yaml --json'];
  static override enableJsonFlag = true;
  static override flags = {
    config: Flags.string({ char: 'c', summary: 'Path of citc.yaml.', default: 'citc.yaml' }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'no-install': Flags.boolean({ summary: 'Only record the image; do not update the management node.', default: false }),
  };

  async run(): Promise<RebuildImageResult & { installed: ActivateOutcome }> {
    const { flags } = await this.parse(ImageRebuild);
    try {
      const configPath = resolve(flags.config);
      const config = await loadClusterConfig(configPath);
      const workDir = clusterWorkDir(configPath, config.name, flags['work-dir']);
      const onProgress = (line: string) => {
        if (!this.jsonEnabled()) this.logToStderr(line);
      };
      const result = await rebuildImage({ config, workDir, onProgress });
      this.log(`Recorded compute image ${result.id} for ${config.name} (built in ${Math.round(result.ms / 1000)} s).`);
      if (result.previousId) this.log(`Roll back to ${result.previousId} with: citc image rollback`);
      const installed: ActivateOutcome = flags['no-install']
        ? { installed: false, reason: '--no-install' }
        : await activateImage({ config, workDir, onProgress });
      this.log(installed.installed ? 'The next nodes resumed launch it.' : `Not installed on the management node: ${installed.reason}.`);
      return { ...result, installed };
    } catch (err) {
      if (err instanceof CitcError) this.error(`${err.code}: ${err.toLine()}`, { exit: err.exitCode, code: err.code });
      throw err;
    }
  }
}
