import { Flags } from '@oclif/core';
import { listImages } from '../../../image/list.js';
import type { ImageRow } from '../../../image/prune.js';
import { clusterWorkDir } from '../../../state/file.js';
import { ClusterCommand, fileArg } from '../../base.js';

export default class ImageList extends ClusterCommand {
  static override summary = "List the cluster's compute images: in the cloud, and which one is recorded";
  static override description =
    "Lists the images carrying the cluster's tag (aws: your AMIs with citc:cluster; gcp: images labelled citc-cluster) and those recorded in the state file: current (what compute nodes boot), previous (what `citc image rollback` goes to), pinned (image.id in citc.yaml), older or unrecorded. `citc image prune` deletes all but current, previous and pinned.";
  static override examples = ['<%= config.bin %> image list', '<%= config.bin %> image list --json'];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
  };

  async run(): Promise<{ images: ImageRow[] }> {
    const parsed = await this.parse(ImageList);
    const { config, path } = await this.loadCluster(parsed);
    const images = await listImages(config, clusterWorkDir(path, config.name, parsed.flags['work-dir']));
    if (images.length === 0) this.log(`No compute image of ${config.name}: build one with \`citc image rebuild\`.`);
    for (const i of images) {
      this.log(
        `${i.role.padEnd(10)} ${i.id}${i.name && !i.id.endsWith(i.name) ? ` (${i.name})` : ''}${i.createdAt ? ` ${i.createdAt}` : ''}${i.inCloud ? '' : ' — not in the cloud any more'}${i.keep ? '' : ' — prune deletes it'}`,
      );
    }
    return { images };
  }
}
