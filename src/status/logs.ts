/** The logs `citc logs` reads on the management node. */
export const LOG_FILES = {
  hooks: '/var/log/citc/hooks.log',
  slurmctld: '/var/log/slurm/slurmctld.log',
  /** cloud-init's output: the management node's boot, first one included. */
  boot: '/var/log/cloud-init-output.log',
} as const;
export type LogSource = keyof typeof LOG_FILES;

/** Pure: the remote command: `sudo -n tail` over the chosen files, headed by file (-F follows through rotation). */
export function logsCommand(sources: readonly LogSource[], lines: number, follow: boolean): string[] {
  return ['sudo', '-n', 'tail', follow ? '-F' : '-v', '-n', String(lines), ...sources.map((s) => LOG_FILES[s])];
}

/**
 * Pure: `tail -v` output of several files split back into one list of lines per source
 * (tail prints `==> FILE <==` before each file's lines).
 */
export function splitTail(stdout: string, sources: readonly LogSource[]): Record<string, string[]> {
  const byPath = new Map<string, LogSource>(sources.map((s) => [LOG_FILES[s], s]));
  const out: Record<string, string[]> = Object.fromEntries(sources.map((s) => [s, []]));
  let current = sources.length === 1 ? sources[0] : undefined;
  for (const line of stdout.split('\n')) {
    const head = /^==> (.+) <==$/.exec(line);
    if (head) {
      current = byPath.get(head[1] as string);
      continue;
    }
    if (current && line !== '') out[current]?.push(line);
  }
  return out;
}
