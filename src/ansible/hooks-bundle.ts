import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CitcError } from '../core/errors.js';

/**
 * The bundled hooks (dist/hooks) travel to the management node as one archive, installed there as a
 * release named by its id (role citc_hooks, tasks/bundle.yml): one transfer instead of one per file, none
 * when it is already there. The archive is written here, without a `tar` binary (BSD tar cannot sort), so
 * the same files give the same bytes on every machine that runs citc.
 */

/** One member of the archive: a file with its bytes, or a directory (no content). */
export interface ArchiveEntry {
  /** Relative, with `/` between its parts: `resume.mjs`, `chunks/adapter-X.mjs`. */
  path: string;
  mode: number;
  content?: Uint8Array;
}

const BLOCK = 512;
const NAME_MAX = 100;
const PREFIX_MAX = 155;
/** What 11 octal digits hold: the largest size a ustar header can carry. */
const SIZE_MAX = 8 ** 11 - 1;
export const FILE_MODE = 0o644;
export const DIR_MODE = 0o755;

const encoder = new TextEncoder();
const byteLength = (s: string) => encoder.encode(s).length;

function badPath(path: string, why: string): CitcError {
  return new CitcError('HOOKS_BUNDLE_PATH', `cannot put this path in the hooks archive: ${why}`, {
    subject: path,
    remedy: 'Rename it in the hooks bundle (scripts/bundle-hooks.mjs).',
  });
}

function checkPath(path: string): void {
  const parts = path.split('/');
  if (path === '' || path.includes('\0') || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw badPath(path, 'it is not a plain relative path');
  }
}

/**
 * ustar's name field holds 100 bytes and its prefix field 155 more: a longer path is split at a `/` so
 * that the prefix, the `/` and the name make the path back. Directories end with `/`, as tar writes them.
 */
export function splitUstarName(member: string): { name: string; prefix: string } {
  if (byteLength(member) <= NAME_MAX) return { name: member, prefix: '' };
  const body = member.endsWith('/') ? member.slice(0, -1) : member;
  // The longest prefix that fits leaves the shortest name.
  for (let i = body.lastIndexOf('/'); i > 0; i = body.lastIndexOf('/', i - 1)) {
    const prefix = member.slice(0, i);
    const name = member.slice(i + 1);
    if (byteLength(prefix) > PREFIX_MAX) continue;
    if (byteLength(name) > NAME_MAX) break;
    return { name, prefix };
  }
  throw badPath(
    member.replace(/\/$/, ''),
    `ustar holds ${NAME_MAX} bytes of name after the last fitting "/" and ${PREFIX_MAX} of directories before it`,
  );
}

function octal(value: number, width: number): string {
  // width - 1 digits, then the NUL: what POSIX and GNU tar write.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(member: string, mode: number, size: number, type: '0' | '5'): Buffer {
  const { name, prefix } = splitUstarName(member);
  const h = Buffer.alloc(BLOCK);
  const put = (offset: number, length: number, text: string) => {
    h.write(text, offset, length, 'utf8');
  };
  put(0, 100, name);
  put(100, 8, octal(mode & 0o7777, 8));
  put(108, 8, octal(0, 8)); // uid
  put(116, 8, octal(0, 8)); // gid
  put(124, 12, octal(size, 12));
  put(136, 12, octal(0, 12)); // mtime: 1970, the same for every build
  put(148, 8, '        '); // the checksum counts its own field as spaces
  put(156, 1, type);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  put(329, 8, octal(0, 8)); // devmajor
  put(337, 8, octal(0, 8)); // devminor
  put(345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * Pure: a POSIX ustar archive of the entries, in byte order of their paths, every parent directory
 * included (mode 0755 unless given), owner root, mtime 0: the same entries give the same bytes.
 */
export function ustarArchive(entries: readonly ArchiveEntry[]): Buffer {
  const members = new Map<string, ArchiveEntry>();
  for (const entry of entries) {
    checkPath(entry.path);
    if (members.has(entry.path)) throw badPath(entry.path, 'it is in the list twice');
    members.set(entry.path, entry);
  }
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const known = members.get(dir);
      if (known?.content) throw badPath(entry.path, `${dir} is a file, not a directory`);
      if (!known) members.set(dir, { path: dir, mode: DIR_MODE });
    }
  }
  const sorted = [...members.values()].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const blocks: Buffer[] = [];
  for (const entry of sorted) {
    if (!entry.content) {
      blocks.push(header(`${entry.path}/`, entry.mode, 0, '5'));
      continue;
    }
    const size = entry.content.byteLength;
    if (size > SIZE_MAX) throw badPath(entry.path, `it is larger than ustar's ${SIZE_MAX} bytes`);
    blocks.push(header(entry.path, entry.mode, size, '0'), Buffer.from(entry.content));
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  // Two zero blocks end the archive.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}

/** Pure: gzip with the header fixed (no name, mtime 0, OS Unix), whatever zlib and OS compress it. */
export function gzipFixed(data: Uint8Array): Buffer {
  const gz = gzipSync(data, { level: 6 });
  gz[9] = 3; // zlib writes the OS it was built for here
  return gz;
}

/** Pure: the release id of an archive: what is in it, not how it was compressed. */
export function bundleId(tar: Uint8Array): string {
  return createHash('sha256').update(tar).digest('hex').slice(0, 16);
}

/**
 * The files under dir, as archive entries: files 0644 and directories 0755 whatever they are here
 * (the node runs them with `node`, never as programs). Anything else (a link, a socket) is refused.
 */
export async function readTree(dir: string, under = ''): Promise<ArchiveEntry[]> {
  const out: ArchiveEntry[] = [];
  for (const d of await readdir(join(dir, under), { withFileTypes: true })) {
    const path = under ? posix.join(under, d.name) : d.name;
    if (d.isDirectory()) {
      out.push({ path, mode: DIR_MODE }, ...(await readTree(dir, path)));
    } else if (d.isFile()) {
      out.push({ path, mode: FILE_MODE, content: await readFile(join(dir, path)) });
    } else {
      throw new CitcError('HOOKS_BUNDLE_FILE_TYPE', 'only files and directories go into the hooks archive', {
        subject: join(dir, path),
        remedy: 'Rebuild the hooks (npm run build).',
      });
    }
  }
  return out;
}

export interface HooksBundle {
  /** The archive, on this machine. */
  file: string;
  /** sha256 of the archive's bytes. */
  sha256: string;
  /** The release's name on the node: the first 16 hex digits of the sha256 of the uncompressed tar. */
  id: string;
}

const ARCHIVE = /^hooks-[0-9a-f]{16}\.tar\.gz$/;
let last: { id: string; gz: Buffer } | undefined;

/**
 * Packs the hooks tree (dist/hooks, less its source maps) into outDir/hooks-<id>.tar.gz, once per content: a file of that
 * name is kept (written whole by a rename), the archives of other contents are removed.
 */
export async function writeHooksBundle(hooksDir: string, outDir: string): Promise<HooksBundle> {
  // Source maps (10 of the 13 MB) stay on this machine: the hooks run without --enable-source-maps.
  const tar = ustarArchive((await readTree(hooksDir)).filter((e) => !e.path.endsWith('.map')));
  const id = bundleId(tar);
  const file = join(outDir, `hooks-${id}.tar.gz`);
  const present = await stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!present) {
    // Compressing takes a while: a second call for the same hooks reuses it.
    const gz = last?.id === id ? last.gz : gzipFixed(tar);
    last = { id, gz };
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, gz, { mode: FILE_MODE });
    await rename(partial, file);
  }
  for (const name of await readdir(outDir)) {
    if (ARCHIVE.test(name) && join(outDir, name) !== file) await rm(join(outDir, name), { force: true });
  }
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  return { file, sha256, id };
}
