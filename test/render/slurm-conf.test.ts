import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import { renderSlurmFiles, slurmConfOptions } from '../../src/render/slurm-conf.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';
import { checkRenderedSlurmConf, checkSlurmFiles, oneMachineOverrides } from '../support/slurm-conf-check.js';

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('renderSlurmFiles', () => {
  const config = awsCluster();
  const files = renderSlurmFiles(config, slurmConfOptions(config));
  const conf = files['slurm.conf'];

  it('declares one CLOUD NodeName line per shape with its CPUs, memory, GPUs and features', () => {
    expect(lines(conf, 'NodeName=')).toEqual([
      'NodeName=compute-c5-[1-10] CPUs=2 RealMemory=3500 Features=avx512 State=CLOUD',
      'NodeName=compute-m5-1 CPUs=4 RealMemory=15000 State=CLOUD',
      'NodeName=gpu-g4-[1-4] CPUs=4 RealMemory=15000 Gres=gpu:t4:1 Features=t4,cuda State=CLOUD',
      'NodeName=gpu-p3-[1-2] CPUs=32 RealMemory=240000 Gres=gpu:4 State=CLOUD',
    ]);
  });

  it('declares partitions with their shapes, default and MaxTime', () => {
    expect(lines(conf, 'PartitionName=')).toEqual([
      'PartitionName=compute Nodes=compute-c5-[1-10],compute-m5-1 Default=YES MaxTime=UNLIMITED State=UP',
      'PartitionName=gpu Nodes=gpu-g4-[1-4],gpu-p3-[1-2] Default=NO MaxTime=1440 State=UP',
    ]);
  });

  it('wires the power-save hooks and timings from the config, with what cloud nodes need', () => {
    for (const l of [
      'ClusterName=demo',
      'SlurmctldHost=demo-mgmt',
      'ResumeProgram=/opt/citc/bin/resume',
      'SuspendProgram=/opt/citc/bin/suspend',
      'ResumeFailProgram=/opt/citc/bin/resume-fail',
      'SuspendTime=300',
      'ResumeTimeout=600',
      'SuspendTimeout=120',
      'ResumeRate=0',
      'SuspendRate=0',
      'ReturnToService=2',
      'TreeWidth=65533',
      'CommunicationParameters=NoAddrCache',
      'PrivateData=cloud',
      'SlurmctldParameters=enable_configless,idle_on_node_suspend',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core_Memory',
      'ProctrackType=proctrack/cgroup',
      'GresTypes=gpu',
    ]) {
      expect(conf.split('\n')).toContain(l);
    }
    expect(conf).not.toMatch(/NodeAddr=|^SuspendExcNodes=|^DebugFlags=/m);
  });

  it('writes gres.conf only for GPU shapes, and cgroup.conf always', () => {
    expect(files['gres.conf']?.split('\n').filter((l) => l.startsWith('NodeName'))).toEqual([
      'NodeName=gpu-g4-[1-4] Name=gpu Type=t4 File=/dev/nvidia0',
      'NodeName=gpu-p3-[1-2] Name=gpu File=/dev/nvidia[0-3]',
    ]);
    expect(files['cgroup.conf']).toContain('ConstrainRAMSpace=yes');
    const gcp = gcpCluster();
    const g = renderSlurmFiles(gcp, slurmConfOptions(gcp));
    expect(g['gres.conf']).toBeUndefined();
    expect(g['slurm.conf']).not.toContain('GresTypes');
  });

  it('splits a shape into per-node lines only where the options give an address or port', () => {
    const c = gcpCluster();
    const conf2 = renderSlurmFiles(
      c,
      slurmConfOptions(c, {
        nodes: { 'batch-n2-2': { addr: '127.0.0.12', port: 17002 } },
        cgroups: false,
        controller: { addr: '10.1.0.5' },
      }),
    )['slurm.conf'];
    const nodes = lines(conf2, 'NodeName=');
    expect(nodes).toHaveLength(20);
    expect(nodes[0]).toBe('NodeName=batch-n2-1 CPUs=4 RealMemory=15000 State=CLOUD');
    expect(nodes[1]).toBe('NodeName=batch-n2-2 NodeAddr=127.0.0.12 Port=17002 CPUs=4 RealMemory=15000 State=CLOUD');
    expect(conf2).toContain('SlurmctldHost=gdemo-mgmt(10.1.0.5)\n');
    expect(conf2).toContain('ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n');
    expect(lines(conf2, 'PartitionName=')).toEqual([
      'PartitionName=batch Nodes=batch-n2-[1-20] Default=YES MaxTime=UNLIMITED State=UP',
    ]);
  });

  it('rejects relative hook paths and nodes the cluster does not have', () => {
    const c = gcpCluster();
    expect(() => renderSlurmFiles(c, slurmConfOptions(c, { hooks: { resume: 'bin/resume' } }))).toThrow(
      /hooks.resume|absolute/,
    );
    const err = (() => {
      try {
        renderSlurmFiles(c, slurmConfOptions(c, { nodes: { 'batch-n2-21': { port: 1 } } }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).subject).toBe('batch-n2-21');
  });
});

// The only parser that counts is Slurm's: Debian's slurmctld 22.05 must start on what we render.
describe('the real slurmctld accepts the rendered configuration', () => {
  it('for the aws cluster (GPUs, features, two partitions), logging no configuration error', async () => {
    const r = await checkRenderedSlurmConf(awsCluster());
    expect(r.errors).toEqual([]);
    expect(r.started).toBe(true);
    expect(r.log).toContain('slurmctld version 22.05');
  });

  it('for the gcp cluster with per-node addresses, ports and Power debug flags (the e2e set-up)', async () => {
    const r = await checkRenderedSlurmConf(gcpCluster(), {
      nodes: { 'batch-n2-1': { addr: '127.0.0.11', port: 17001 }, 'batch-n2-2': { addr: '127.0.0.12', port: 17002 } },
      suspendExcNodes: ['batch-n2-20'],
      debugFlags: ['Power'],
      slurmctldDebug: 'debug',
    });
    expect(r.errors).toEqual([]);
    expect(r.started).toBe(true);
  });

  it('and the check itself catches what slurmctld rejects (an unknown key)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'citc-slurmconf-bad-'));
    try {
      const c = gcpCluster();
      const files = renderSlurmFiles(c, slurmConfOptions(c, await oneMachineOverrides(dir)));
      const r = await checkSlurmFiles(dir, { ...files, 'slurm.conf': `${files['slurm.conf']}NoSuchKey=1\n` });
      expect(r.started).toBe(false);
      expect(r.errors.join('\n')).toMatch(/NoSuchKey/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
