import { describe, expect, it } from 'vitest';
import { parseTerraformOutputs } from '../../src/deploy/terraform-run.js';
import { parseToolVersion, versionAtLeast } from '../../src/deploy/terraform-tool.js';
import { initProgress, readUiLine } from '../../src/deploy/terraform-ui.js';

describe('reading terraform/tofu output', () => {
  it('reads the version from `version -json`, and from plain text as a fallback', () => {
    expect(parseToolVersion('{"terraform_version":"1.9.8","platform":"linux_amd64"}')).toBe('1.9.8');
    expect(parseToolVersion('OpenTofu v1.8.3\non linux_amd64')).toBe('1.8.3');
    expect(parseToolVersion('{"platform":"x"}')).toBeUndefined();
    expect(parseToolVersion('')).toBeUndefined();
  });

  it('compares versions by major and minor', () => {
    expect(versionAtLeast('1.5.0', [1, 5])).toBe(true);
    expect(versionAtLeast('1.10.2', [1, 5])).toBe(true);
    expect(versionAtLeast('2.0.0', [1, 6])).toBe(true);
    expect(versionAtLeast('1.4.7', [1, 5])).toBe(false);
    expect(versionAtLeast('0.15.5', [1, 5])).toBe(false);
  });

  it('shows completions, summaries and diagnostics of the -json UI, and hides the ticks', () => {
    expect(
      readUiLine('{"@message":"aws_vpc.x: Creation complete after 1s [id=vpc-1]","type":"apply_complete"}'),
    ).toEqual({
      progress: 'aws_vpc.x: Creation complete after 1s [id=vpc-1]',
    });
    expect(readUiLine('{"@message":"aws_vpc.x: Still creating... [10s elapsed]","type":"apply_progress"}')).toEqual({});
    expect(
      readUiLine(
        '{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Invalid provider configuration","detail":"Provider \\"aws\\" requires\\n  a region.","address":"aws_vpc.x"}}',
      ),
    ).toEqual({
      progress: 'error: aws_vpc.x: Invalid provider configuration — Provider "aws" requires a region.',
      error: 'aws_vpc.x: Invalid provider configuration — Provider "aws" requires a region.',
    });
    expect(readUiLine('{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"Deprecated"}}')).toEqual({
      progress: 'warning: Deprecated',
    });
    expect(readUiLine('panic: runtime error')).toEqual({ progress: 'panic: runtime error' });
    expect(readUiLine('   ')).toEqual({});
  });

  it('keeps the init lines that say what is happening', () => {
    expect(initProgress('- Installing hashicorp/aws v6.25.0...')).toBe('- Installing hashicorp/aws v6.25.0...');
    expect(initProgress('OpenTofu has been successfully initialized!')).toBe(
      'OpenTofu has been successfully initialized!',
    );
    expect(initProgress('You may now begin working with Terraform. Try running "terraform plan"')).toBeUndefined();
  });

  it('turns `output -json` into strings and lists of strings', () => {
    const out = parseTerraformOutputs(
      JSON.stringify({
        a: { value: 'x', type: 'string' },
        ids: { value: ['s-1', 's-2'], type: ['tuple', ['string', 'string']] },
        n: { value: 3, type: 'number' },
        gone: { value: null, type: 'string' },
        obj: { value: { k: 1 }, type: ['object', {}] },
      }),
    );
    expect(out).toEqual({ a: 'x', ids: ['s-1', 's-2'], n: '3', obj: '{"k":1}' });
    expect(parseTerraformOutputs('')).toEqual({});
  });
});
