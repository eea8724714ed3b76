/**
 * Slurm's view of the nodes, from `scontrol show nodes -o` (one node per line). Debian's Slurm 22.05
 * has no `--json` for `show nodes`, so the one-line form is parsed: `Key=Value` pairs, and Reason last,
 * running to the end of the line with its `[user@time]` stamp.
 */
export interface SlurmNode {
  name: string;
  /** The base state: IDLE, ALLOCATED, MIXED, DOWN, FUTURE, ... */
  state: string;
  /** The state's flags: CLOUD, POWERED_DOWN, POWERING_UP, POWERING_DOWN, NOT_RESPONDING, COMPLETING, DRAIN, ... */
  flags: string[];
  /** The reason text without its stamp; absent when the node has none. */
  reason?: string;
  /** Who set the reason and when (epoch ms), from its `[user@2026-12-02T21:25:53]` stamp. */
  reasonBy?: string;
  reasonAt?: number;
  /** NodeAddr; for a CLOUD node Slurm resets it to the node's name when the node is powered down. */
  addr: string;
  hostname: string;
  /** Epoch ms of the node's boot as slurmd reported it; absent when it never registered. */
  bootAt?: number;
}

export function parseShowNodes(text: string, localTime: (s: string) => number = localTimeMs): SlurmNode[] {
  const out: SlurmNode[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('NodeName=')) continue;
    const rec: Record<string, string> = {};
    const reasonAt = line.indexOf(' Reason=');
    const head = reasonAt >= 0 ? line.slice(0, reasonAt) : line;
    for (const tok of head.split(/\s+/)) {
      const eq = tok.indexOf('=');
      if (eq > 0) rec[tok.slice(0, eq)] = tok.slice(eq + 1);
    }
    const name = rec.NodeName as string;
    const [state = 'UNKNOWN', ...flags] = (rec.State ?? 'UNKNOWN').replace(/[*~#%!$@^-]+$/, '').split('+');
    const node: SlurmNode = { name, state, flags, addr: rec.NodeAddr ?? name, hostname: rec.NodeHostName ?? name };
    if (reasonAt >= 0) {
      const full = line.slice(reasonAt + ' Reason='.length).trim();
      const stamp = /\s*\[([^@\]]+)@([0-9T:-]+)\]$/.exec(full);
      node.reason = stamp ? full.slice(0, stamp.index) : full;
      if (stamp) {
        node.reasonBy = stamp[1] as string;
        const at = localTime(stamp[2] as string);
        if (Number.isFinite(at)) node.reasonAt = at;
      }
    }
    const boot = rec.BootTime;
    if (boot && boot !== 'None' && boot !== 'Unknown') {
      const at = localTime(boot);
      if (Number.isFinite(at)) node.bootAt = at;
    }
    out.push(node);
  }
  return out;
}

/** Slurm prints times in the controller's local time without a zone: read them as this process's local time. */
function localTimeMs(s: string): number {
  return new Date(s).getTime();
}

/**
 * Powered down or on its way there: Slurm wants no instance for it. A power-up queued on a powered-down
 * node (POWER_UP, until the next power-save cycle starts the resume) counts as wanted: the resume about to
 * run may reuse the instance that is there.
 */
export function poweredDown(n: SlurmNode): boolean {
  if (n.flags.includes('POWER_UP')) return false;
  return n.flags.includes('POWERED_DOWN') || n.flags.includes('POWERING_DOWN');
}
