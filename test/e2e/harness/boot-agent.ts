import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { CloudEvent, FakeCloud } from './fake-cloud.js';
import { startDaemon, stopDaemon } from './processes.js';

/** What a real compute instance does at boot, for the fake cloud's instances: run slurmd as its node. */
export interface BootAgent {
  /** Node → slurmd currently running for it. */
  running(): string[];
  stop(): Promise<void>;
}

export interface BootAgentOptions {
  cluster: string;
  slurmConf: string;
  /** Seconds between the instance's creation and slurmd's start, as a boot takes. */
  bootDelayMs?: number;
  onBoot?: (node: string, at: number) => void;
}

export function startBootAgent(cloud: FakeCloud, opts: BootAgentOptions): BootAgent {
  const slurmds = new Map<string, { instanceId: string; child?: ChildProcess; timer?: NodeJS.Timeout }>();
  let stopped = false;
  const boot = (node: string, instanceId: string) => {
    // The boot-time trap (local-slurm.md): slurmctld accepts a powering-up node only if its boot time is
    // later than the power-up request, so slurmd runs in a time namespace whose uptime is zero.
    const up = readFileSync('/proc/uptime', 'utf8').split('.')[0];
    const child = startDaemon(
      `slurmd ${node}`,
      '/usr/bin/unshare',
      ['--time', `--boottime=-${up}`, '/usr/sbin/slurmd', '-D', '-N', node],
      {
        env: {
          SLURM_CONF: opts.slurmConf,
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        },
      },
    );
    const entry = slurmds.get(node);
    if (entry?.instanceId === instanceId) entry.child = child;
    opts.onBoot?.(node, Date.now());
  };
  cloud.onEvent((e: CloudEvent) => {
    const { type, node, cluster, id } = e.event;
    if (stopped || cluster !== opts.cluster || !node) return;
    if (type === 'created') {
      const timer = setTimeout(() => boot(node, id), opts.bootDelayMs ?? 2000);
      slurmds.set(node, { instanceId: id, timer });
    } else {
      const entry = slurmds.get(node);
      if (!entry || entry.instanceId !== id) return;
      slurmds.delete(node);
      clearTimeout(entry.timer);
      void stopDaemon(entry.child);
    }
  });
  return {
    running: () => [...slurmds.entries()].filter(([, v]) => v.child && v.child.exitCode === null).map(([k]) => k),
    async stop() {
      stopped = true;
      for (const v of slurmds.values()) clearTimeout(v.timer);
      await Promise.all([...slurmds.values()].map((v) => stopDaemon(v.child)));
      slurmds.clear();
    },
  };
}
