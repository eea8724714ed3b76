import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { Ec2Fake, type Ec2FakeInstance } from '../fakes/ec2/server.js';
import type { CloudOptions, LabCloud } from './cloud.js';

/**
 * The lab cloud on AWS's code path: the fake EC2 on <net>.1:8773, GetConsoleOutput for the management node
 * from `<consoles>/<instance id>` (cloud-init's host key block, written by the rehearsal when it boots that
 * host), and the instance metadata service answering IMDSv2 (a token first) per instance, told apart by the
 * request's source address: tags, launch index, instance id, and the instance role's credentials for the
 * management node (the hooks' AWS SDK reads them there, as on EC2).
 */
export async function startEc2Cloud(o: CloudOptions, emit: (line: object) => void): Promise<LabCloud> {
  const { net, consoles } = o;
  const values = { 'role-ip': o.roleIp, 'role-instance': o.roleInstance };
  const ec2 = new Ec2Fake({
    privateIp: (n) => `${net}.${100 + n}`,
    // Instances the lab boots outside this fake (the management node): <consoles>/<id>, written by the rehearsal.
    consoleOf: (id) => {
      const file = join(consoles, id);
      return consoles && /^i-[\w-]+$/.test(id) && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    },
  });
  ec2.on('instance', (e) => {
    const inst = ec2.instances.get(e.id);
    emit({ ...e, imageId: inst?.imageId });
  });
  await ec2.start(8773, `${net}.1`);

  const tokens = new Set<string>();
  const byAddress = (ip: string): Ec2FakeInstance | undefined =>
    [...ec2.instances.values()].find((i) => i.privateIp === ip && i.state !== 'terminated');

  function metadata(req: IncomingMessage, res: ServerResponse) {
    const send = (code: number, body: string) => {
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(body);
    };
    const path = new URL(req.url ?? '/', 'http://169.254.169.254').pathname;
    if (req.method === 'PUT' && path === '/latest/api/token') {
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return send(200, token);
    }
    const token = req.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) return send(401, 'Unauthorized');
    const source = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const md = '/latest/meta-data/';
    if (!path.startsWith(md)) return send(404, 'Not Found');
    const key = path.slice(md.length);
    if (source === values['role-ip']) {
      // The management node: its instance role (the hooks' credentials).
      if (key === 'iam/security-credentials/' || key === 'iam/security-credentials')
        return send(200, 'rehearsal-management');
      if (key === 'iam/security-credentials/rehearsal-management')
        return send(
          200,
          JSON.stringify({
            Code: 'Success',
            Type: 'AWS-HMAC',
            AccessKeyId: 'ASIALAB0000000000000',
            SecretAccessKey: 'lab-secret',
            Token: 'lab-token',
            Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
            LastUpdated: new Date().toISOString(),
          }),
        );
      if (key === 'instance-id') return send(200, values['role-instance'] as string);
      if (key === 'placement/region') return send(200, 'us-east-1');
      if (key === 'placement/availability-zone') return send(200, 'us-east-1a');
      return send(404, 'Not Found');
    }
    const inst = byAddress(source);
    if (!inst) return send(404, 'Not Found');
    if (key === 'ami-launch-index') return send(200, String(inst.launchIndex));
    if (key === 'instance-id') return send(200, inst.id);
    if (key === 'local-ipv4') return send(200, inst.privateIp);
    if (key === 'placement/availability-zone') return send(200, inst.zone);
    if (key === 'placement/region') return send(200, inst.zone.replace(/[a-z]$/, ''));
    if (key === 'tags/instance' || key === 'tags/instance/') return send(200, Object.keys(inst.tags).join('\n'));
    if (key.startsWith('tags/instance/')) {
      const v = inst.tags[decodeURIComponent(key.slice('tags/instance/'.length))];
      return v === undefined ? send(404, 'Not Found') : send(200, v);
    }
    return send(404, 'Not Found');
  }

  const imds = createServer(metadata);
  await new Promise<void>((resolve) => imds.listen(80, '169.254.169.254', resolve));
  return {
    endpoint: ec2.endpoint,
    command: () => {},
    stop: async () => {
      imds.close();
      await ec2.stop();
    },
  };
}
