import { describe, expect, it } from 'vitest';
import { parseEffectiveConfig } from '../../../src/config/load.js';
import { ConfigError, formatProblem } from '../../../src/core/config/problem.js';

function problemsOf(text: string, sets: string[] = []): string[] {
  try {
    parseEffectiveConfig(text, 'citc.yaml', { sets });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.filter((p) => p.severity === 'error').map(formatProblem);
    throw err;
  }
  return [];
}

const VALID = `name: demo
provider: { kind: aws, region: us-east-1, zones: [us-east-1a] }
network: { adminCidrs: [192.168.10.0/24] }
partitions:
  - name: compute
    shapes:
      - { name: c5, instanceTypes: [c5.large], maxNodes: 2 }
`;

describe('YAML syntax errors in the words of the person editing the file: one problem, not a cascade', () => {
  it.each([
    [
      'a line indented differently',
      'name: x\nprovider:\n  kind: aws\n   region: us-east-1\n',
      'citc.yaml:3:9: (top level): expected the keys of one mapping in one column, and nested ones indented under their parent key, found a line indented differently from the lines around it',
    ],
    ['a tab', 'name: x\n\tprovider: y\n', 'citc.yaml:2:1: (top level): expected spaces for indentation, found a tab'],
    [
      'a duplicate key',
      'name: x\nname: y\n',
      'citc.yaml:2:1: (top level): expected each key once in a mapping, found "name" again',
    ],
    [
      'two documents',
      'name: x\n---\nname: y\n',
      'citc.yaml:2:1: (top level): expected one YAML document, found a second document after "---"',
    ],
    [
      'an unclosed [',
      'name: x\nprovider: [aws\n',
      'citc.yaml:3:1: (top level): expected a ] closing the [ before it, found a [ ... that is never closed',
    ],
  ])('%s', (_, text, line) => {
    expect(problemsOf(text)).toEqual([line]);
  });
});

describe('--set past the end of a list', () => {
  it('is one problem naming the size of the list, not one per missing field', () => {
    expect(problemsOf(VALID, ['partitions[0].shapes[5].maxNodes=3'])).toEqual([
      '--set partitions[0].shapes[5].maxNodes=3: partitions[0].shapes[5]: expected an index from 0 to 0 (partitions[0].shapes has 1), found [5] (add the item to the file; --set changes items that exist)',
    ]);
    expect(problemsOf(VALID, ['partitions[0].shapes[0].maxNodes=3'])).toEqual([]);
  });

  it('fills cpus and memoryMb of a shape that leaves them out', () => {
    const { config, sources } = parseEffectiveConfig(VALID, 'citc.yaml');
    expect(config.partitions[0]?.shapes[0]).toMatchObject({ cpus: 2, memoryMb: 3379 });
    expect(sources.get('partitions[0].shapes[0].memoryMb')).toEqual({
      kind: 'catalog',
      origin: 'catalogue: c5.large has 4096 MiB, less room for the OS',
    });
  });
});
