import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, stopDaemon, waitFor } from '../../support/processes.js';

const DEV_LOG = '/dev/log';

// A syslog socket: every datagram (one message from logger(1), syslog(3), journald's forwarder) as a line.
const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
with open(sys.argv[2], 'ab', buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b'\\n') + b'\\n')
`;

export interface Syslog {
  /** Every message received so far, as logger sent it (`<PRI>timestamp tag: text`). */
  lines(): string[];
  stop(): Promise<void>;
}

/**
 * This machine's syslog for the length of a test: a receiver on /dev/log, where logger(1) writes. Where
 * there is none (a container), /dev/log becomes a link to ours; where there is one, ours is mounted over
 * it. Either is undone on stop and on exit.
 */
export async function captureSyslog(dir: string): Promise<Syslog> {
  const socket = join(dir, 'syslog.sock');
  const file = join(dir, 'syslog.txt');
  const child = startDaemon('syslog', '/usr/bin/python3', ['-c', RECEIVER, socket, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`syslog receiver exited with ${code}`)));
    child.stdout?.once('data', () => resolve());
  });
  const linked = !existsSync(DEV_LOG);
  if (linked) symlinkSync(socket, DEV_LOG);
  else execFileSync('/usr/bin/mount', ['--bind', socket, DEV_LOG]);
  const undo = () => {
    try {
      if (!linked) execFileSync('/usr/bin/umount', [DEV_LOG]);
      else if (lstatSync(DEV_LOG).isSymbolicLink()) unlinkSync(DEV_LOG);
    } catch {
      // already undone
    }
  };
  process.once('exit', undo);
  return {
    lines: () => {
      try {
        return readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop() {
      undo();
      process.off('exit', undo);
      await stopDaemon(child);
    },
  };
}

/** Waits until a received message matches. */
export function waitSyslog(s: Syslog, what: string, pred: (line: string) => boolean, ms: number): Promise<string> {
  return waitFor(what, ms, async () => s.lines().find(pred), 100);
}
