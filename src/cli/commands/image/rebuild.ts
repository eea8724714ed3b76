import { Flags } from '@oclif/core';
import { StepProgress } from '../../../deploy/steps.js';
import { type ActivateOutcome, activateImage } from '../../../image/activate.js';
import { type RebuildImageResult, rebuildImage } from '../../../image/rebuild.js';
import { clusterWorkDir } from '../../../state/file.js';
import { ClusterCommand, fileArg } from '../../base.js';

export default class ImageRebuild extends ClusterCommand {
  static override summary = 'Build the compute image with packer and make it the one compute nodes boot';
  static override description =
    'Renders the Packer template into the work dir, runs packer (init for Packer 1.7+, then build), records the new image in the state file (the old one is kept for `citc image rollback`) and, on a deployed cluster, installs it on the management node. A missing packer or a failed build leaves the recorded image untouched.';
  static override examples = ['<%= config.bin %> image rebuild', '<%= config.bin %> image rebuild prod.yaml --json'];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'no-install': Flags.boolean({
      summary: 'Only record the image; do not update the management node.',
      default: false,
    }),
  };

  async run(): Promise<RebuildImageResult & { installed: ActivateOutcome }> {
    const parsed = await this.parse(ImageRebuild);
    const { flags } = parsed;
    const { config, path: configPath } = await this.loadCluster(parsed);
    const workDir = clusterWorkDir(configPath, config.name, flags['work-dir']);
    const ui = this.jsonEnabled() ? undefined : new StepProgress(process.stderr);
    const onProgress = (line: string) => ui?.line(line);
    const result = await rebuildImage({ config, workDir, onProgress, ...(ui && { steps: ui }) });
    this.log(`Recorded compute image ${result.id} for ${config.name} (built in ${Math.round(result.ms / 1000)} s).`);
    if (result.previousId) this.log(`Roll back to ${result.previousId} with: citc image rollback`);
    const installed: ActivateOutcome = flags['no-install']
      ? { installed: false, reason: '--no-install' }
      : await (async () => {
          ui?.begin('ansible-playbook (install on the management node)');
          const r = await activateImage({ config, workDir, onProgress });
          ui?.end(true);
          return r;
        })();
    if (ui) {
      this.logToStderr('Steps:');
      for (const line of ui.summary()) this.logToStderr(line);
    }
    this.log(
      installed.installed
        ? 'The next nodes resumed launch it.'
        : `Not installed on the management node: ${installed.reason}.`,
    );
    return { ...result, installed };
  }
}
