import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig, ImageOs } from '../../src/core/config/types.js';
import { hclString } from '../../src/render/hcl.js';
import { ansibleDir } from '../../src/render/package-root.js';
import { renderPackerTemplate } from '../../src/render/packer.js';
import { awsCluster, gcpCluster } from '../support/cluster.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'citc-packer-'));
  await writeFile(join(dir, 'group_vars.yml'), 'citc_cluster_name: demo\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function render(config: ClusterConfig) {
  return renderPackerTemplate(config, {
    playbook: join(ansibleDir(), 'compute.yml'),
    extraVarsFile: join(dir, 'group_vars.yml'),
  });
}

/** The real packer binary (Debian's 1.6.6 in CI) validates offline. */
async function validate(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return execa('packer', ['validate', file], { reject: false, all: true, env: { CHECKPOINT_DISABLE: '1' } });
}

describe('the Packer template', () => {
  const oses: ImageOs[] = ['rocky9', 'debian12', 'ubuntu2204'];
  for (const os of oses) {
    it(`validates with the real packer for aws/${os}`, async () => {
      const c = { ...awsCluster(), image: { os } };
      const r = await validate(`aws-${os}.pkr.hcl`, render(c)['compute.pkr.hcl']);
      expect(r.all).toBe('');
      expect(r.exitCode).toBe(0);
    });
    it(`validates with the real packer for gcp/${os}`, async () => {
      const c = { ...gcpCluster(), image: { os } };
      const r = await validate(`gcp-${os}.pkr.hcl`, render(c)['compute.pkr.hcl']);
      expect(r.all).toBe('');
      expect(r.exitCode).toBe(0);
    });
  }

  it('is rejected by packer validate when broken (the check can fail)', async () => {
    const broken = render(awsCluster())['compute.pkr.hcl'].replace('instance_type', 'instance_kind');
    const r = await validate('broken.pkr.hcl', broken);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/instance_kind/);
  });

  it('builds from the vendor images of the chosen OS, in the first zone, with the cluster tags', () => {
    const aws = render(awsCluster())['compute.pkr.hcl'];
    expect(aws).toContain('owners      = ["792107900819"]');
    expect(aws).toContain('"citc:cluster" = "demo"');
    expect(aws).toContain('"team" = "hpc"');
    const gcp = render({ ...gcpCluster(), image: { os: 'ubuntu2204' } })['compute.pkr.hcl'];
    expect(gcp).toContain('source_image_family     = "ubuntu-2204-lts"');
    expect(gcp).toContain('source_image_project_id = ["ubuntu-os-cloud"]');
    expect(gcp).toContain('zone                    = "europe-west4-a"');
    expect(gcp).toContain('"citc-cluster" = "gdemo"');
  });

  it('declares the plugins current Packer needs in a file of its own', () => {
    expect(render(awsCluster())['plugins.pkr.hcl']).toMatch(/amazon = \{[\s\S]*ansible = \{/);
    expect(render(gcpCluster())['plugins.pkr.hcl']).toMatch(/googlecompute = \{[\s\S]*ansible = \{/);
    expect(render(gcpCluster())['plugins.pkr.hcl']).not.toContain('amazon');
  });

  it('never lets a value interpolate', () => {
    const dollar = '$';
    expect(hclString(`a${dollar}{b}"c`)).toBe(`"a${dollar}${dollar}{b}\\"c"`);
    const c = { ...awsCluster(), tags: { owner: `${dollar}{jndi}` } };
    expect(render(c)['compute.pkr.hcl']).toContain('"owner" = "$${jndi}"');
  });
});

describe('the Packer template for a build host the infrastructure provides', () => {
  it('provisions it with the null builder and the same playbook, then runs the image command; packer validates it', async () => {
    const files = renderPackerTemplate(awsCluster(), {
      playbook: join(ansibleDir(), 'compute.yml'),
      extraVarsFile: join(dir, 'group_vars.yml'),
      buildHost: { host: '10.77.0.20', user: 'admin', imageCommand: '/bin/make-image', imageIdFile: '/w/image-id' },
    });
    const text = files['compute.pkr.hcl'];
    expect(text).toContain('source "null" "compute"');
    expect(text).toContain('sources = ["source.null.compute"]');
    expect(text).not.toContain('amazon-ebs');
    expect(text).toContain(`playbook_file   = ${hclString(join(ansibleDir(), 'compute.yml'))}`);
    expect(text).toContain('inline = ["/bin/make-image > /w/image-id"]');
    expect(files['plugins.pkr.hcl']).not.toContain('amazon');
    const r = await validate('null.pkr.hcl', text);
    expect(r.all).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
