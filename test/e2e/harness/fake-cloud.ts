import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CallRecord, FaultSpec, InstanceEvent } from '../../fakes/faults.js';
import type { Outage } from '../../fakes/http.js';
import { startDaemon, stopDaemon } from '../../support/processes.js';

export interface CloudEvent {
  event: InstanceEvent;
  at: number;
}

export interface FakeInstanceView {
  id: string;
  instanceType: string;
  zone: string;
  state: string;
  privateIp: string;
  tags: Record<string, string>;
  /** The node it serves, as citc's adapter derives it from the tags (citc:node, citc:nodes + launch index). */
  node: string;
  launchTime: string;
}

/** Client of the fake cloud process: its control API over loopback HTTP and its event stream. */
export interface FakeCloud {
  endpoint: string;
  events: CloudEvent[];
  onEvent(listener: (e: CloudEvent) => void): void;
  faults(spec: FaultSpec): Promise<void>;
  instances(): Promise<FakeInstanceView[]>;
  live(): Promise<FakeInstanceView[]>;
  calls(): Promise<CallRecord[]>;
  /** The cloud's API goes away (connection refused, or calls never answered) and keeps its instances. */
  offline(mode: Outage): Promise<void>;
  online(): Promise<void>;
  /** An instance for `node` with the cluster's tags, launched behind citc's back; `boot`: it runs slurmd. */
  appear(node: string, opts?: { boot?: boolean; instanceType?: string; zone?: string }): Promise<{ id: string }>;
  /** Instances terminated behind everyone's back (every process of theirs ends). */
  die(ids: readonly string[]): Promise<void>;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./fake-cloud-process.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url));

export async function startFakeCloud(cluster: string): Promise<FakeCloud> {
  const child: ChildProcess = startDaemon('fake-ec2', process.execPath, ['--import', `file://${TSX}`, ENTRY, cluster], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: CloudEvent[] = [];
  const listeners: ((e: CloudEvent) => void)[] = [];
  const lines = createInterface({
    input: child.stdout as NodeJS.ReadableStream,
  });
  const ports = await new Promise<{ api: number; control: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake cloud exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: number; control?: number } & Partial<CloudEvent>;
      if (msg.ready && msg.control) resolve({ api: msg.ready, control: msg.control });
      else if (msg.event && msg.at) {
        const e = { event: msg.event, at: msg.at };
        events.push(e);
        for (const l of listeners) l(e);
      }
    });
  });
  const endpoint = `http://127.0.0.1:${ports.api}`;
  const control = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`http://127.0.0.1:${ports.control}${path}`, {
      method,
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!r.ok) throw new Error(`fake cloud ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json() as Promise<T>;
  };
  const instances = async () => (await control<{ instances: FakeInstanceView[] }>('GET', '/state')).instances;
  return {
    endpoint,
    events,
    onEvent: (l) => listeners.push(l),
    async faults(spec) {
      await control('POST', '/faults', spec);
    },
    instances,
    live: async () => (await instances()).filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down'),
    calls: () => control<CallRecord[]>('GET', '/calls'),
    async offline(mode) {
      await control('POST', '/offline', { mode });
    },
    async online() {
      await control('POST', '/online');
    },
    appear: (node, opts = {}) => control<{ id: string }>('POST', '/appear', { node, ...opts }),
    async die(ids) {
      await control('POST', '/die', { ids });
    },
    stop: () => stopDaemon(child),
  };
}
