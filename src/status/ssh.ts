/**
 * Pure: the argv of an `ssh` call to the management node, or to a compute node through it. One place
 * decides the user, key, known_hosts file and jump, so `citc ssh`, `citc logs` and `citc status` connect
 * the same way.
 */
export interface SshTarget {
  host: string;
  user: string;
  port?: number;
}

export interface SshOptions {
  /** Private key; absent: the ssh agent's keys and ~/.ssh defaults. */
  keyFile?: string;
  /** The cluster's own known_hosts (.citc/<cluster>/known_hosts): a host key is trusted on first use, then pinned. */
  knownHosts: string;
  /** Reach the target through this host (the management node, for a compute node's private address). */
  jump?: SshTarget;
  /** Run this instead of a login shell; each word is quoted for the remote shell. */
  command?: readonly string[];
  /** Ask for a terminal (interactive login). */
  tty?: boolean;
  /** Scripts: never prompt, give up after this many seconds of connecting. */
  batch?: boolean;
  connectTimeoutS?: number;
}

/** Quotes a word for a POSIX shell: 'it'\''s'. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function common(opts: SshOptions): string[] {
  const args = [
    '-o',
    `UserKnownHostsFile=${opts.knownHosts}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `ConnectTimeout=${opts.connectTimeoutS ?? 15}`,
  ];
  if (opts.batch) args.push('-o', 'BatchMode=yes');
  if (opts.keyFile) args.push('-i', opts.keyFile, '-o', 'IdentitiesOnly=yes');
  return args;
}

function destination(t: SshTarget): string[] {
  return [...(t.port !== undefined ? ['-p', String(t.port)] : []), `${t.user}@${t.host}`];
}

/** The arguments after `ssh`. */
export function sshArgv(target: SshTarget, opts: SshOptions): string[] {
  const args = common(opts);
  if (opts.jump) {
    // ProxyCommand, not -J: the jump connection then uses the same key and known_hosts as the target.
    const inner = ['ssh', ...common(opts), '-W', '%h:%p', ...destination(opts.jump)].map(shellQuote).join(' ');
    args.push('-o', `ProxyCommand=${inner}`);
  }
  if (opts.tty) args.push('-t');
  args.push(...destination(target));
  if (opts.command && opts.command.length > 0) args.push('--', opts.command.map(shellQuote).join(' '));
  return args;
}
