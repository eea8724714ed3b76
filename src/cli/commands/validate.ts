import { formatProblem, type ProblemJson, problemJson } from '../../core/config/problem.js';
import { ClusterCommand, fileArg } from '../base.js';

export default class Validate extends ClusterCommand {
  static override summary = 'Check a cluster file and report every problem with its line';
  static override description =
    'Reads citc.yaml (or FILE), applies CITC_* environment variables and --set flags, and checks every field against the schema and the catalogue of instance types. All problems are reported at once as FILE:LINE:COLUMN: field: expected ..., found .... Exits 2 when there is an error; warnings alone exit 0. With --json a failure prints {"error": {..., "problems": [...]}}, each problem with its file, line, column, path and message. Nothing is written.';
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate examples/aws.yaml',
    '<%= config.bin %> validate prod.yaml --json',
    '<%= config.bin %> validate --set partitions[0].shapes[0].maxNodes=4',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };

  async run(): Promise<{ file: string; valid: true; nodes: number; problems: ProblemJson[] }> {
    const { file, config, warnings } = await this.loadCluster(await this.parse(Validate));
    for (const w of warnings) this.logToStderr(formatProblem(w));
    const shapes = config.partitions.flatMap((p) => p.shapes);
    const nodes = shapes.reduce((n, s) => n + s.maxNodes, 0);
    this.log(
      `${file}: cluster ${config.name} on ${config.provider.kind} (${config.provider.region}) is valid: ` +
        `${config.partitions.length} partitions, ${shapes.length} shapes, up to ${nodes} compute nodes.`,
    );
    return { file, valid: true, nodes, problems: warnings.map(problemJson) };
  }
}
