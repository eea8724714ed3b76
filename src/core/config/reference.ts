import { envVariables } from './overrides.js';
import { formatPath } from './problem.js';
import { clusterSchema, type Field } from './schema.js';
import { expectedOf } from './walk.js';

/** The README's field reference, made from the schema so the two cannot drift apart. */
export function configReference(): string {
  const rows: string[] = ['| Field | Type | Default | Environment | Description |', '|---|---|---|---|---|'];
  const env = new Map([...envVariables()].map(([name, path]) => [formatPath(path), name]));
  const visit = (field: Field, path: string, required: boolean) => {
    if (path) {
      const type = expectedOf(field).replaceAll('|', '\\|');
      const dflt = defaultText(field, required);
      const name = env.get(path.replaceAll('[]', '')) ?? '';
      rows.push(
        `| \`${path}\` | ${type} | ${dflt} | ${name ? `\`${name}\`` : ''} | ${field.doc.replaceAll('|', '\\|')} |`,
      );
    }
    if (field.type === 'object') {
      for (const [k, f] of Object.entries(field.fields)) visit(f, path ? `${path}.${k}` : k, f.required === true);
    } else if (field.type === 'list' && field.items.type === 'object') {
      visit(field.items, `${path}[]`, false);
    }
  };
  for (const [k, f] of Object.entries(clusterSchema.fields)) visit(f, k, f.required === true);
  return rows.filter((r) => !/^\| `[^`]*\[\]` \| a mapping/.test(r)).join('\n');
}

function defaultText(field: Field, required: boolean): string {
  if (required) return '**required**';
  const d = field.default;
  if (d === undefined) return field.defaultDoc ?? '—';
  if (typeof d === 'function') {
    const aws = d({ provider: 'aws' });
    const gcp = d({ provider: 'gcp' });
    return `\`${JSON.stringify(aws)}\` (aws), \`${JSON.stringify(gcp)}\` (gcp)`;
  }
  if (typeof d === 'object' && !Array.isArray(d)) return '';
  return `\`${JSON.stringify(d)}\``;
}
