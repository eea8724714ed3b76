import { text } from 'node:stream/consumers';
import { Args } from '@oclif/core';
import { CitcError, ExitCode } from '../../../core/errors.js';
import { compressHostlist } from '../../../core/hostlist.js';
import { CitcCommand } from '../../base.js';

export default class HostlistCompress extends CitcCommand {
  static override summary = 'Compress node names into a Slurm hostlist';
  static override description =
    'Gives the hostlist Slurm expands back to exactly these names in this order: consecutive numbers share a range and padding widths stay apart (n1,n01 is n[1,01]). Names come from the arguments or, when there are none, from standard input; commas and whitespace separate them.';
  static override examples = [
    { description: 'From arguments.', command: '<%= config.bin %> hostlist compress n1 n2 n3 n7' },
    {
      description: 'From another command.',
      command: "<%= config.bin %> hostlist expand 'n[1-9]' | grep -v n5 | <%= config.bin %> hostlist compress",
    },
  ];
  static override enableJsonFlag = true;
  static override strict = false;
  static override args = {
    names: Args.string({ description: 'Node names (several arguments, or comma separated).', required: false }),
  };

  async run(): Promise<{ hostlist: string; count: number }> {
    const { argv } = await this.parse(HostlistCompress);
    const words = argv.length > 0 ? (argv as string[]).join(' ') : await this.readStdin();
    const names = words.split(/[\s,]+/).filter((w) => w !== '');
    const hostlist = compressHostlist(names);
    this.log(hostlist);
    return { hostlist, count: names.length };
  }

  private async readStdin(): Promise<string> {
    // A terminal would wait for input nobody knows they owe: ask for arguments instead.
    if (process.stdin.isTTY) {
      throw new CitcError('HOSTLIST_NO_NAMES', 'no names given', {
        subject: 'hostlist compress',
        remedy: 'Pass names as arguments or pipe them in, e.g. citc hostlist compress n1 n2 n3.',
        exitCode: ExitCode.usage,
      });
    }
    return text(process.stdin);
  }
}
