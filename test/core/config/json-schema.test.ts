import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterJsonSchema, clusterJsonSchemaText } from '../../../src/core/config/json-schema.js';
import { formatPath } from '../../../src/core/config/problem.js';
import { validateClusterConfig } from '../../../src/core/config/validate.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const check = ajv.compile(JSON.parse(read('schema/citc.schema.json')));

/** An ajv error as the path `citc validate` reports (`partitions[0].shapes[0].maxNodes`). */
function pathOf(e: ErrorObject): string {
  const parts: (string | number)[] = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replaceAll('~1', '/').replaceAll('~0', '~')));
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  if (params.missingProperty) parts.push(params.missingProperty);
  if (params.additionalProperty) parts.push(params.additionalProperty);
  return formatPath(parts);
}

describe('the JSON Schema of citc.yaml', () => {
  it('is the committed schema/citc.schema.json (run `npm run docs` after changing the schema)', () => {
    expect(read('schema/citc.schema.json')).toBe(clusterJsonSchemaText());
    expect(clusterJsonSchema().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it.each(['aws', 'gcp'])('accepts the shipped %s example', (provider) => {
    const ok = check(parse(read(`examples/${provider}.yaml`)));
    expect(check.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects a broken file at the same paths citc validate reports', () => {
    const text = read('examples/aws.yaml')
      .replace('diskGb: 50', 'diskGb: fifty') // wrong type
      .replace('  suspendTime: 300', '  suspendTime: 300\n  suspendTimeOut: 60') // unknown key
      .replace('maxNodes: 40', 'maxNodes: -1') // out of range
      .replace('kind: nfs', 'kind: nfss') // not one of the names
      .replace('        spot: true', '        spot: "yes"') // a string for a boolean
      .replace('        maxNodes: 8\n', '') // a required field left out
      .replace('name: hpc-aws', 'name: HPC_aws'); // against the pattern
    const raw = parse(text);
    expect(check(raw)).toBe(false);
    const fromSchema = new Set((check.errors ?? []).map(pathOf));
    const fromValidate = new Set(
      validateClusterConfig(raw)
        .problems.filter((p) => p.severity === 'error')
        .map((p) => formatPath(p.path)),
    );
    expect([...fromSchema].sort()).toEqual([...fromValidate].sort());
    expect(fromSchema.size).toBe(7);
  });
});
