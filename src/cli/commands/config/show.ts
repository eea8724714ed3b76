import { Flags } from '@oclif/core';
import { stringify } from 'yaml';
import type { LocatedSource } from '../../../config/load.js';
import type { ClusterConfig } from '../../../core/config/types.js';
import { ClusterCommand, fileArg } from '../../base.js';

export default class ConfigShow extends ClusterCommand {
  static override summary = 'Print the effective configuration and where each value came from';
  static override description =
    'Precedence, lowest first: defaults < the cluster file < CITC_* environment variables < --set flags. Each value is printed with its source: default, FILE:LINE, env NAME or --set.';
  static override examples = [
    '<%= config.bin %> config show',
    '<%= config.bin %> config show examples/gcp.yaml --json',
    'CITC_SLURM_SUSPEND_TIME=600 <%= config.bin %> config show --set partitions[0].shapes[0].maxNodes=4',
    '<%= config.bin %> config show --yaml > effective.yaml',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    yaml: Flags.boolean({ summary: 'Print only the effective configuration as YAML, without sources.' }),
  };

  async run(): Promise<{ file: string; config: ClusterConfig; sources: Record<string, string> }> {
    const parsed = await this.parse(ConfigShow);
    const { flags } = parsed;
    const effective = await this.loadCluster(parsed);
    const sources = Object.fromEntries(
      [...effective.sources].map(([path, s]) => [path, describeSource(effective.file, s)]),
    );
    if (flags.yaml) {
      this.log(stringify(effective.config).trimEnd());
    } else if (!this.jsonEnabled()) {
      const width = Math.max(...Object.keys(sources).map((k) => k.length));
      for (const [path, source] of Object.entries(sources)) {
        const value = JSON.stringify(valueAt(effective.config, path));
        this.log(`${path.padEnd(width)}  ${value}  # ${source}`);
      }
    }
    return { file: effective.file, config: effective.config, sources };
  }
}

function describeSource(file: string, s: LocatedSource): string {
  if (s.kind === 'default') return 'default';
  if (s.kind === 'file') return s.position ? `${file}:${s.position.line}` : file;
  return s.origin;
}

function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (node === null || typeof node !== 'object') return undefined;
    const key = m[2] !== undefined ? Number(m[2]) : (m[1] ?? '');
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
