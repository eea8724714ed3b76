import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import { buildHookRuntime, checkHookRuntime, RUNTIME_OUTPUTS } from '../../src/core/runtime.js';
import type { ClusterState } from '../../src/core/state.js';
import { parseHookArgs } from '../../src/hooks/args.js';
import { hookBudgetMs } from '../../src/hooks/budget.js';
import { readHookRuntime } from '../../src/hooks/runtime-file.js';
import { clusterConfig } from '../core/plan/fixture.js';

const awsState: ClusterState = {
  version: 1,
  cluster: 'demo',
  provider: 'aws',
  image: { current: { id: 'ami-123', builtAt: '2026-01-01T00:00:00Z' }, previous: [] },
  deploy: {
    stackDir: '/x',
    synthesizedAt: '2026-01-01T00:00:00Z',
    outputs: {
      [RUNTIME_OUTPUTS.awsSubnetIds]: ['subnet-a', 'subnet-b'],
      [RUNTIME_OUTPUTS.awsSecurityGroupIds]: 'sg-1',
      [RUNTIME_OUTPUTS.awsLaunchTemplateId]: 'lt-1',
    },
  },
};

describe('buildHookRuntime', () => {
  it('builds an aws runtime from config, image and Terraform outputs', () => {
    const rt = buildHookRuntime(clusterConfig(), awsState, { scontrol: '/opt/slurm/bin/scontrol' });
    expect(rt.imageId).toBe('ami-123');
    expect(rt.aws).toEqual({
      subnetIdsByZone: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b' },
      securityGroupIds: ['sg-1'],
      launchTemplateId: 'lt-1',
    });
    expect(rt.paths).toEqual({
      scontrol: '/opt/slurm/bin/scontrol',
      logFile: '/var/log/citc/hooks.log',
      lockDir: '/run/citc/locks',
      stateDir: '/var/lib/citc',
    });
    expect(rt.log).toEqual({ format: 'text' });
    expect(checkHookRuntime(JSON.parse(JSON.stringify(rt)))).toBeUndefined();
  });

  it('takes the log format from slurm.hookLogFormat', () => {
    const config = clusterConfig();
    config.slurm.hookLogFormat = 'json';
    expect(buildHookRuntime(config, awsState).log).toEqual({ format: 'json' });
  });

  it('builds a gcp runtime', () => {
    const state: ClusterState = {
      version: 1,
      cluster: 'demo',
      provider: 'gcp',
      deploy: { stackDir: '/x', synthesizedAt: 'x', outputs: { network: 'n', subnetwork: 's' } },
    };
    const rt = buildHookRuntime(
      clusterConfig('gcp', { image: { os: 'rocky9', id: 'projects/p/global/images/i' } }),
      state,
    );
    expect(rt.gcp).toEqual({ network: 'n', subnetwork: 's', diskGb: 50 });
    expect(rt.imageId).toBe('projects/p/global/images/i');
  });

  it('refuses a cluster without an image, and subnets that do not match the zones', () => {
    const noImage = { ...awsState, image: undefined } as unknown as ClusterState;
    expect(() => buildHookRuntime(clusterConfig(), noImage)).toThrow(/no compute image/);
    const oneSubnet = {
      ...awsState,
      deploy: { ...awsState.deploy, outputs: { [RUNTIME_OUTPUTS.awsSubnetIds]: 'subnet-a' } },
    } as ClusterState;
    const err = (() => {
      try {
        buildHookRuntime(clusterConfig(), oneSubnet);
      } catch (e) {
        return e as CitcError;
      }
    })();
    expect(err?.code).toBe('RUNTIME_OUTPUT_MISSING');
    expect(err?.message).toContain('has 1 subnets for 2 zones');
  });
});

describe('readHookRuntime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citc-rt-'));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  it.each([
    ['missing file', join(dir, 'none.json'), 'RUNTIME_UNREADABLE'],
    ['not JSON', write('bad.json', '{'), 'RUNTIME_INVALID'],
    ['wrong version', write('v2.json', '{"version":2}'), 'RUNTIME_INVALID'],
  ])('fails with exit 2 on a %s', (_, path, code) => {
    const err = (() => {
      try {
        readHookRuntime(path);
      } catch (e) {
        return e as CitcError;
      }
    })();
    expect(err).toBeInstanceOf(CitcError);
    expect(err?.code).toBe(code);
    expect(err?.exitCode).toBe(2);
    expect(err?.subject).toBe(path);
  });

  it('names the malformed part', () => {
    const rt = buildHookRuntime(clusterConfig(), awsState);
    const bad = { ...rt, paths: { ...rt.paths, scontrol: 'scontrol' } };
    expect(() => readHookRuntime(write('rel.json', JSON.stringify(bad)))).toThrow(
      /paths.scontrol must be an absolute path/,
    );
  });
});

describe('parseHookArgs and hookBudgetMs', () => {
  it('takes --runtime and exactly one hostlist', () => {
    expect(parseHookArgs('resume', ['--runtime', '/r.json', 'c-[1-2]'])).toEqual({
      runtimePath: '/r.json',
      hostlist: 'c-[1-2]',
    });
    expect(parseHookArgs('resume', ['c-1'])).toEqual({ runtimePath: '/etc/citc/runtime.json', hostlist: 'c-1' });
    expect(() => parseHookArgs('resume', [])).toThrow(/expected one hostlist argument, got 0/);
    expect(() => parseHookArgs('resume', ['a', 'b'])).toThrow(/got 2: a b/);
    expect(() => parseHookArgs('resume', ['--runtime'])).toThrow(/needs a path/);
  });
  it('keeps half of the Slurm timeout, between 5 s and 5 min', () => {
    expect([hookBudgetMs(2), hookBudgetMs(60), hookBudgetMs(1800)]).toEqual([5_000, 30_000, 300_000]);
  });
});
