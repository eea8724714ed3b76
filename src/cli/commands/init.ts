import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { examplePath } from '../../config/examples.js';
import { CitcError, ExitCode } from '../../core/errors.js';
import { CLUSTER_NAME } from '../../core/naming.js';
import { CitcCommand, configPathOf } from '../base.js';

export default class Init extends CitcCommand {
  static override summary = 'Write a commented cluster file to start from';
  static override description =
    'Writes the shipped example for AWS or Google Cloud (the same files as examples/*.yaml) to FILE (default ./citc.yaml). It refuses to overwrite an existing file unless --force is given.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --provider gcp --name climate gcp.yaml',
    '<%= config.bin %> init --force',
  ];
  static override enableJsonFlag = true;
  static override args = {
    file: Args.string({ name: 'FILE', description: 'Where to write the cluster file (default: ./citc.yaml).' }),
  };
  static override flags = {
    provider: Flags.string({ summary: 'Cloud provider.', options: ['aws', 'gcp'], default: 'aws' }),
    name: Flags.string({ summary: 'Cluster name to put in the file (DNS-safe, at most 24 characters).' }),
    force: Flags.boolean({ summary: 'Overwrite an existing file.', default: false }),
  };

  async run(): Promise<{ file: string; provider: string }> {
    const { args, flags } = await this.parse(Init);
    const target = configPathOf(args.file, undefined);
    const provider = flags.provider as 'aws' | 'gcp';
    if (flags.name !== undefined && !CLUSTER_NAME.test(flags.name)) {
      throw new CitcError('USAGE', `"${flags.name}" is not a valid cluster name`, {
        subject: '--name',
        remedy: 'Use lowercase letters, digits and "-", starting with a letter, at most 24 characters.',
        exitCode: ExitCode.usage,
      });
    }
    await mkdir(dirname(target), { recursive: true });
    const source = examplePath(provider);
    try {
      if (flags.name === undefined) {
        await copyFile(source, target, flags.force ? 0 : constants.COPYFILE_EXCL);
      } else {
        const text = (await readFile(source, 'utf8')).replace(/^name: .*$/m, `name: ${flags.name}`);
        await writeFile(target, text, { flag: flags.force ? 'w' : 'wx' });
      }
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new CitcError('FILE_EXISTS', 'the file exists already', {
          subject: target,
          remedy: 'Pass --force to overwrite it, or give another FILE.',
          exitCode: ExitCode.usage,
        });
      }
      throw cause;
    }
    this.log(`Wrote ${target} (${provider}). Edit it, then run: citc validate ${args.file ?? ''}`.trimEnd());
    return { file: target, provider };
  }
}
