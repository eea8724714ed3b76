import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { examplePath, schemaPath } from '../../config/examples.js';
import { CitcError, ExitCode } from '../../core/errors.js';
import { CLUSTER_NAME } from '../../core/naming.js';
import { CitcCommand, configPathOf } from '../base.js';

export default class Init extends CitcCommand {
  static override summary = 'Write a commented cluster file to start from';
  static override description =
    "Writes the shipped example for AWS or Google Cloud (the same files as examples/*.yaml) to FILE (default ./citc.yaml), with a first line that points editors using yaml-language-server (VS Code's YAML extension, Neovim, Helix) at citc's JSON Schema, so they complete and check the fields. It refuses to overwrite an existing file unless --force is given.";
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

  async run(): Promise<{ file: string; provider: string; schema: string }> {
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
    if ((await stat(target).catch(() => undefined))?.isDirectory()) {
      throw new CitcError('USAGE', 'this is a directory, not a file to write', {
        subject: target,
        remedy: `Give the file to write, e.g. citc init ${relative(process.cwd(), target) || '.'}/citc.yaml.`,
        exitCode: ExitCode.usage,
      });
    }
    const example = await readFile(examplePath(provider), 'utf8').catch((cause) => {
      throw new CitcError('EXAMPLE_MISSING', 'the example cluster file shipped with citc cannot be read', {
        subject: examplePath(provider),
        remedy: 'Reinstall citc (npm ci in a checkout, or npm install citc).',
        cause,
      });
    });
    const schema = relative(dirname(target), schemaPath());
    const named = flags.name === undefined ? example : example.replace(/^name: .*$/m, `name: ${flags.name}`);
    const text = `# yaml-language-server: $schema=${schema}\n${named}`;
    await mkdir(dirname(target), { recursive: true });
    try {
      await writeFile(target, text, { flag: flags.force ? 'w' : 'wx' });
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
    return { file: target, provider, schema };
  }
}
