import { describe, expect, it } from 'vitest';
import { elapsed, StepProgress } from '../../src/deploy/steps.js';
import { readUiLine } from '../../src/deploy/terraform-ui.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 60, write: (t: string) => writes.push(t), writes };
}

describe('StepProgress', () => {
  it('on a terminal: one redrawn line with the step, its elapsed time and the current activity; ✓ and the time at the end', () => {
    let t = 0;
    const out = stream(true);
    const ui = new StepProgress(out, () => t, 0);
    ui.begin('terraform apply');
    t = 2500;
    ui.line('aws_vpc.network_vpc: Creating...');
    t = 75_000;
    ui.line('aws_instance.management_node: Creating...');
    ui.line('error: creating EC2 Instance: InsufficientInstanceCapacity');
    ui.end(true);
    expect(out.writes).toEqual([
      '\r\x1b[2K… terraform apply  0.0 s',
      '\r\x1b[2K… terraform apply  2.5 s — aws_vpc.network_vpc: Creating...',
      '\r\x1b[2K… terraform apply  1:15 — aws_instance.management_node: Cr…',
      // A failure stays on the screen above the redrawn line.
      '\r\x1b[2K',
      'error: creating EC2 Instance: InsufficientInstanceCapacity\n',
      '\r\x1b[2K… terraform apply  1:15 — error: creating EC2 Instance: In…',
      '\r\x1b[2K',
      '✓ terraform apply  1:15\n',
    ]);
  });

  it('elsewhere: the plain lines, one line per step, no control characters; a summary of every step', () => {
    let t = 0;
    const out = stream(false);
    const ui = new StepProgress(out, () => t, 0);
    ui.begin('terraform plan');
    ui.line('aws_instance.x: Plan to replace');
    t = 1200;
    ui.end();
    ui.begin('ansible-playbook (management node)');
    ui.line('task: munge : install');
    t = 64_000;
    ui.end(false);
    expect(out.writes.join('')).toBe(
      [
        'terraform plan …',
        'aws_instance.x: Plan to replace',
        'terraform plan: done in 1.2 s',
        'ansible-playbook (management node) …',
        'task: munge : install',
        'ansible-playbook (management node): failed in 1:02',
        '',
      ].join('\n'),
    );
    expect(out.writes.join('')).not.toContain('\x1b');
    expect(ui.summary()).toEqual([
      '  terraform plan                        1.2 s',
      '  ansible-playbook (management node)     1:02  failed',
      '  total                                  1:04',
    ]);
  });

  it('formats times, and shows what terraform starts working on', () => {
    expect([elapsed(0), elapsed(59_949), elapsed(60_000), elapsed(3_725_000)]).toEqual([
      '0.0 s',
      '59.9 s',
      '1:00',
      '62:05',
    ]);
    expect(readUiLine('{"@message":"aws_instance.x: Creating...","type":"apply_start"}')).toEqual({
      progress: 'aws_instance.x: Creating...',
    });
  });
});
