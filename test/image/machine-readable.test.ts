import { describe, expect, it } from 'vitest';
import { artifactIds, packerErrors, packerProgress, parsePackerLine } from '../../src/image/machine-readable.js';
import { needsInit, parsePackerVersion } from '../../src/image/packer-version.js';
import { imageIdFromArtifact } from '../../src/image/rebuild.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

describe('packer -machine-readable output', () => {
  it('parses events, unescaping commas and newlines in data', () => {
    expect(parsePackerLine('1700000000,,ui,say,a%!(PACKER_COMMA) b\\nc')).toEqual({
      timestamp: '1700000000',
      target: '',
      type: 'ui',
      data: ['say', 'a, b\nc'],
    });
    expect(parsePackerLine('Error: not machine readable')).toBeUndefined();
    expect(parsePackerLine('')).toBeUndefined();
  });

  it('shows ui lines as progress and nothing else', () => {
    const say = parsePackerLine('1,,ui,say,==> amazon-ebs.compute: Waiting for SSH');
    const art = parsePackerLine('1,amazon-ebs.compute,artifact,0,id,us-east-1:ami-1');
    expect(say && packerProgress(say)).toBe('==> amazon-ebs.compute: Waiting for SSH');
    expect(art && packerProgress(art)).toBeUndefined();
  });

  it('finds the artifact id and the errors', () => {
    const events = [
      '1,amazon-ebs.compute,artifact-count,1',
      '1,amazon-ebs.compute,artifact,0,builder-id,mitchellh.amazonebs',
      '1,amazon-ebs.compute,artifact,0,id,us-east-1:ami-1',
      "1,,ui,error,Build 'x' errored: boom",
    ]
      .map((l) => parsePackerLine(l))
      .filter((e) => e !== undefined);
    expect(events).toHaveLength(4);
    expect(artifactIds(events)).toEqual([{ target: 'amazon-ebs.compute', id: 'us-east-1:ami-1' }]);
    expect(packerErrors(events)).toEqual(["Build 'x' errored: boom"]);
  });

  it('maps an artifact to the image id the hooks launch', () => {
    expect(imageIdFromArtifact(awsCluster(), 'eu-west-1:ami-a,us-east-1:ami-b')).toBe('ami-b');
    expect(imageIdFromArtifact(awsCluster(), 'eu-west-1:ami-a')).toBe('ami-a');
    expect(imageIdFromArtifact(awsCluster(), 'garbage')).toBeUndefined();
    expect(imageIdFromArtifact(gcpCluster(), 'citc-gdemo-compute-1')).toBe(
      'projects/citc-test/global/images/citc-gdemo-compute-1',
    );
  });

  it('reads the packer version and whether it needs packer init', () => {
    const old = parsePackerVersion('Packer v1.6.6\n');
    const cur = parsePackerVersion('Packer v1.11.2\n\nYour version of Packer is out of date!');
    expect(old?.text).toBe('1.6.6');
    expect(old && needsInit(old)).toBe(false);
    expect(cur && needsInit(cur)).toBe(true);
    expect(parsePackerVersion('1.6.6')).toBeUndefined();
  });
});
