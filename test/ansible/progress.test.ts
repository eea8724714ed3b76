import { describe, expect, it } from 'vitest';
import { playbookProgress } from '../../src/ansible/progress.js';

describe('playbookProgress', () => {
  it.each([
    ['PLAY [Configure the management node] ****', 'play: Configure the management node'],
    ['TASK [munge : Install munge] ****', 'task: munge : Install munge'],
    ['RUNNING HANDLER [slurmctld : Restart slurmctld] ***', 'handler: slurmctld : Restart slurmctld'],
    [
      'rehearsal-mgmt             : ok=41   changed=0    unreachable=0    failed=0    skipped=6    rescued=0    ignored=0   ',
      'recap: rehearsal-mgmt ok=41 changed=0 unreachable=0 failed=0 skipped=6 rescued=0 ignored=0',
    ],
    ['ok: [rehearsal-mgmt]', undefined],
    ['PLAY RECAP *********', undefined],
  ])('%s', (line, shown) => {
    expect(playbookProgress(line)).toBe(shown);
  });
});
