import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { CallRecord, FaultSpec, InstanceEvent } from '../../fakes/faults.js';
import { startDaemon, stopDaemon } from './processes.js';

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
  /** The node it serves, as the fake reported it when it created the instance. */
  node: string;
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
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./fake-cloud-process.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url));

export async function startFakeCloud(): Promise<FakeCloud> {
  const child: ChildProcess = startDaemon('fake-ec2', process.execPath, ['--import', `file://${TSX}`, ENTRY], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const events: CloudEvent[] = [];
  const listeners: ((e: CloudEvent) => void)[] = [];
  const lines = createInterface({
    input: child.stdout as NodeJS.ReadableStream,
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake cloud exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { ready?: number } & Partial<CloudEvent>;
      if (msg.ready) resolve(msg.ready);
      else if (msg.event && msg.at) {
        const e = { event: msg.event, at: msg.at };
        events.push(e);
        for (const l of listeners) l(e);
      }
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const get = async <T>(path: string): Promise<T> => (await fetch(`${endpoint}${path}`)).json() as Promise<T>;
  // One launch may carry several nodes (tag citc:nodes + launch index): the created event names each node.
  const instances = async () =>
    (await get<{ instances: Omit<FakeInstanceView, 'node'>[] }>('/__fake/state')).instances.map((i) => ({
      ...i,
      node: events.find((e) => e.event.id === i.id)?.event.node ?? '',
    }));
  return {
    endpoint,
    events,
    onEvent: (l) => listeners.push(l),
    async faults(spec) {
      const r = await fetch(`${endpoint}/__fake/faults`, {
        method: 'POST',
        body: JSON.stringify(spec),
      });
      if (!r.ok) throw new Error(`fake cloud refused faults: ${r.status}`);
    },
    instances,
    live: async () => (await instances()).filter((i) => i.state !== 'terminated' && i.state !== 'shutting-down'),
    calls: () => get<CallRecord[]>('/__fake/calls'),
    stop: () => stopDaemon(child),
  };
}
