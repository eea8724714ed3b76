import { loadEffectiveConfig } from '../../config/load.js';
import { formatProblem } from '../../core/config/problem.js';
import { CitcCommand, configFlags, configPathOf, fileArg } from '../base.js';

export default class Validate extends CitcCommand {
  static override summary = 'Check a cluster file and report every problem with its line';
  static override description =
    'Reads citc.yaml (or FILE), applies CITC_* environment overrides, and checks every field. All problems are reported at once as FILE:LINE:COLUMN: field: expected ..., found .... Exits 2 when there is an error; warnings alone exit 0. Nothing is written.';
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate examples/aws.yaml',
    '<%= config.bin %> validate prod.yaml --json',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = { ...configFlags };

  async run(): Promise<{ file: string; valid: true; warnings: string[]; nodes: number }> {
    const { args, flags } = await this.parse(Validate);
    const { file, config, warnings } = await loadEffectiveConfig(configPathOf(args.file, flags.config), {
      env: process.env,
    });
    for (const w of warnings) this.logToStderr(formatProblem(w));
    const shapes = config.partitions.flatMap((p) => p.shapes);
    const nodes = shapes.reduce((n, s) => n + s.maxNodes, 0);
    this.log(
      `${file}: cluster ${config.name} on ${config.provider.kind} (${config.provider.region}) is valid: ` +
        `${config.partitions.length} partitions, ${shapes.length} shapes, up to ${nodes} compute nodes.`,
    );
    return { file, valid: true, warnings: warnings.map(formatProblem), nodes };
  }
}
