import { readFile } from 'node:fs/promises';

export interface HookRecord {
  ts: string;
  at: number;
  level: string;
  hook: string;
  pid: number;
  event: string;
  [k: string]: unknown;
}

/** The hooks' JSON log (runtime log.format json), one record per line; absent file → none. */
export async function readHookLog(file: string): Promise<HookRecord[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      const r = JSON.parse(l) as HookRecord;
      r.at = Date.parse(r.ts);
      return r;
    });
}

/** Hook runs (start→exit) that began at or after `since`, with the hostlist and the time spent inside. */
export function hookRuns(
  records: HookRecord[],
  since: number,
): {
  hook: string;
  pid: number;
  hostlist: string;
  at: number;
  ms?: number;
  code?: number;
}[] {
  const runs = new Map<
    string,
    {
      hook: string;
      pid: number;
      hostlist: string;
      at: number;
      ms?: number;
      code?: number;
    }
  >();
  for (const r of records) {
    if (r.at < since) continue;
    const key = `${r.hook}:${r.pid}`;
    if (r.event === 'start')
      runs.set(key, {
        hook: r.hook,
        pid: r.pid,
        hostlist: String(r.hostlist ?? ''),
        at: r.at,
      });
    const run = runs.get(key);
    if (run && r.event === 'exit') {
      run.ms = Number(r.ms);
      run.code = Number(r.code);
    }
  }
  return [...runs.values()];
}
