import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { childPidNamespace, killNamespace, startDaemon, stopDaemon, waitFor } from '../../support/processes.js';
import type { CloudEvent, FakeCloud } from './fake-cloud.js';

/** What a real compute instance does at boot, for the fake cloud's instances: run slurmd as its node. */
export interface BootAgent {
  /** Nodes a slurmd runs for now (one entry per instance). */
  running(): string[];
  /** The pid namespace of every instance ever booted (each instance's processes live in their own). */
  namespaces(): ReadonlySet<string>;
  stop(): Promise<void>;
}

export interface BootAgentOptions {
  cluster: string;
  slurmConf: string;
  /** Seconds between the instance's creation and slurmd's start, as a boot takes. */
  bootDelayMs?: number;
  onBoot?: (node: string, at: number) => void;
}

interface Instance {
  instanceId: string;
  node: string;
  child?: ChildProcess;
  /** Its pid namespace: slurmd, slurmstepd and the job all live there and end with it. */
  ns?: Promise<string | undefined>;
  timer?: NodeJS.Timeout;
}

/** Ends every process of an instance: unshare's child is its pid namespace's init, so all go with it. */
async function halt(i: Instance): Promise<void> {
  clearTimeout(i.timer);
  const ns = await i.ns;
  await stopDaemon(i.child);
  if (ns) await killNamespace(ns);
}

export function startBootAgent(cloud: FakeCloud, opts: BootAgentOptions): BootAgent {
  /** By instance id: two instances for one node (a duplicate) are two machines. */
  const slurmds = new Map<string, Instance>();
  const namespaces = new Set<string>();
  const halting = new Set<Promise<void>>();
  let stopped = false;
  const boot = (node: string, instanceId: string) => {
    const entry = slurmds.get(instanceId);
    if (!entry) return;
    // The boot-time trap (local-slurm.md): slurmctld accepts a powering-up node only if its boot time is
    // later than the power-up request, so slurmd runs in a time namespace whose uptime is zero. Its own
    // pid namespace (with its own /proc, which proctrack/linuxproc reads) makes it a machine: when the
    // instance dies, the kernel ends every process in it, slurmstepd and the job's included.
    const up = readFileSync('/proc/uptime', 'utf8').split('.')[0];
    const child = startDaemon(
      `slurmd ${node}`,
      '/usr/bin/unshare',
      ['--time', `--boottime=-${up}`, '--pid', '--mount-proc', '--kill-child', '/usr/sbin/slurmd', '-D', '-N', node],
      {
        env: {
          SLURM_CONF: opts.slurmConf,
          PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        },
      },
    );
    entry.child = child;
    const pid = child.pid as number;
    entry.ns = waitFor('the instance’s pid namespace', 5000, async () => childPidNamespace(pid), 10).then(
      (ns) => {
        namespaces.add(ns);
        return ns;
      },
      () => undefined,
    );
    opts.onBoot?.(node, Date.now());
  };
  cloud.onEvent((e: CloudEvent) => {
    const { type, node, cluster, id } = e.event;
    if (stopped || cluster !== opts.cluster || !node) return;
    if (type === 'created') {
      const timer = setTimeout(() => boot(node, id), opts.bootDelayMs ?? 2000);
      slurmds.set(id, { instanceId: id, node, timer });
    } else {
      const entry = slurmds.get(id);
      if (!entry) return;
      slurmds.delete(id);
      const done = halt(entry).finally(() => halting.delete(done));
      halting.add(done);
    }
  });
  return {
    running: () => [...slurmds.values()].filter((v) => v.child && v.child.exitCode === null).map((v) => v.node),
    namespaces: () => namespaces,
    async stop() {
      stopped = true;
      await Promise.all([...slurmds.values()].map(halt));
      await Promise.all(halting);
      slurmds.clear();
    },
  };
}
