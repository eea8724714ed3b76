import { Args, Flags } from '@oclif/core';
import { expandHostlist } from '../../../core/hostlist.js';
import { CitcCommand } from '../../base.js';

export default class HostlistExpand extends CitcCommand {
  static override summary = 'Expand a Slurm hostlist into node names, one per line';
  static override description =
    'Reads the hostlist as `scontrol show hostnames` does: ranges and numbers in brackets, zero padding, several bracket groups, items separated by commas or whitespace, duplicates and order kept. A malformed hostlist prints one error line naming the character at fault and exits 2, without printing any name.';
  static override examples = [
    { description: 'Four nodes of one shape.', command: "<%= config.bin %> hostlist expand 'compute-c5-[1-3,7]'" },
    { description: 'Two bracket groups, padded.', command: "<%= config.bin %> hostlist expand 'rack[1-2]-n[01-02]'" },
    {
      description: 'How many nodes a hostlist names.',
      command: "<%= config.bin %> hostlist expand --count 'n[1-1000]'",
    },
    { description: 'A JSON array.', command: "<%= config.bin %> hostlist expand --json 'a[1-2],b7'" },
  ];
  static override enableJsonFlag = true;
  static override args = {
    hostlist: Args.string({
      description: 'The hostlist, e.g. compute-c5-[1-3,7]. Quote it for the shell.',
      required: true,
    }),
  };
  static override flags = {
    count: Flags.boolean({ summary: 'Print only the number of names.', default: false }),
    limit: Flags.integer({ summary: 'Refuse hostlists naming more nodes than this.', default: 65_536, min: 1 }),
  };

  async run(): Promise<string[] | number> {
    const { args, flags } = await this.parse(HostlistExpand);
    const names = expandHostlist(args.hostlist, flags.limit);
    if (flags.count) {
      this.log(String(names.length));
      return names.length;
    }
    if (names.length > 0 && !this.jsonEnabled()) process.stdout.write(`${names.join('\n')}\n`);
    return names;
  }
}
