import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A stand-in `packer` for tests, put first on PATH: appends its arguments to a file and answers like
 * packer would: `version` prints the version asked for, `build` prints the given machine-readable
 * lines and exits with the given code.
 */
export interface StandInPacker {
  binDir: string;
  /** One entry per call: its arguments. */
  calls(): Promise<string[][]>;
}

export async function standInPacker(
  dir: string,
  opts: { version: string; buildOutput: string[]; buildExit: number },
): Promise<StandInPacker> {
  const binDir = join(dir, 'bin');
  await mkdir(binDir, { recursive: true });
  const log = join(dir, 'packer-calls.jsonl');
  const output = join(dir, 'packer-build-output.txt');
  await writeFile(output, opts.buildOutput.map((l) => `${l}\n`).join(''));
  const script = `#!/bin/sh
# record the arguments, one JSON array per line
node -e 'process.stdout.write(JSON.stringify(process.argv.slice(1)) + "\\n")' -- "$@" >> '${log}'
case "$1" in
  version) echo 'Packer v${opts.version}' ;;
  init) echo 'Installed plugin github.com/hashicorp/amazon' ;;
  build) cat '${output}'; exit ${opts.buildExit} ;;
  *) echo "stand-in packer: unexpected $1" >&2; exit 9 ;;
esac
`;
  await writeFile(join(binDir, 'packer'), script);
  await chmod(join(binDir, 'packer'), 0o755);
  return {
    binDir,
    async calls() {
      const text = await readFile(log, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as string[]);
    },
  };
}
