import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandHostlist } from '../../../src/core/plan/hostlist-expand.js';

// The real scontrol expands hostlists locally; it only needs a slurm.conf to start.
const conf = join(mkdtempSync(join(tmpdir(), 'citc-hl-')), 'slurm.conf');
writeFileSync(conf, 'ClusterName=x\nSlurmctldHost=localhost\n');
const scontrolExpand = (expr: string) =>
  execFileSync('/usr/bin/scontrol', ['show', 'hostnames', expr], { env: { SLURM_CONF: conf } }).toString().trim().split('\n');

describe('expandHostlist (hooks)', () => {
  it.each([
    'compute-c5-1',
    'compute-c5-[1-3,7]',
    'compute-c5-[1-3,7-8],compute-m5-[2,4]',
    'rack[1-2]-n[01-02]',
    'n[001-010]',
    'n[8-12]',
    'a[1-2]b[3-4]',
    'compute-c5-[1-5000]',
  ])('agrees with the real scontrol on %s', (expr) => {
    expect(expandHostlist(expr)).toEqual(scontrolExpand(expr));
  });

  it.each([
    ['compute-c5-[1-', "unclosed '['"],
    ['compute-c5-1]', "unmatched ']'"],
    ['compute-c5-[3-1]', 'reversed range 3-1'],
    ['compute-c5-[a-b]', 'not N or N-M'],
    ['compute-c5-[]', 'empty []'],
    ['a,,b', 'empty name between commas'],
    ['', 'is empty'],
    ['x[[1]]', 'nested brackets'],
    ['bad name', 'character Slurm node names do not use'],
  ])('rejects %j (%s) as a whole', (expr, why) => {
    expect(() => expandHostlist(expr)).toThrow(why);
  });

  it('refuses expansions past the limit', () => {
    expect(() => expandHostlist('n[1-100]', 99)).toThrow('more than 99 names');
  });
});
