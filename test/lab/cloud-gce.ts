import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { GceFake, type GceFakeInstance } from '../fakes/gce/server.js';
import type { CloudOptions, LabCloud } from './cloud.js';

/** Where the lab's token exchange (STS) listens, on <net>.1. */
export const STS_PORT = 8774;

/** The project number the metadata server reports (zone paths are `projects/<number>/zones/<zone>`). */
export const PROJECT_NUMBER = '123456789012';

/** An instance the stand-in terraform made (the management node), as the rehearsal tells the lab cloud. */
export interface GceAdoptCommand {
  adopt: {
    zone: string;
    name: string;
    machineType: string;
    networkIP: string;
    natIP?: string;
    labels: Record<string, string>;
    metadata: Record<string, string>;
    serviceAccount?: string;
  };
}

/** terraform destroy of an instance it made. */
export interface GceForgetCommand {
  forget: { zone: string; name: string };
}

/**
 * The lab cloud on Google Compute Engine's code path: the fake Compute Engine (its REST protocol, the
 * batch endpoint included) on <net>.1:8773, and GCE's metadata server on 169.254.169.254:80 per instance,
 * told apart by the request's source address, as on GCE:
 * - every request must carry `Metadata-Flavor: Google` (403 otherwise) and every answer carries it;
 * - project/project-id, project/numeric-project-id, universe/universe-domain;
 * - instance/name, id, hostname, zone, machine-type, network-interfaces/0/ip, attributes/<key> (the
 *   instance's metadata: what terraform set on the management node, what bulkInsert set on an instance);
 * - instance/service-accounts/default/{email,scopes,token} for an instance that runs as a service account
 *   (the management node's hooks get their access token here, as google-auth-library asks for it);
 * - instance/guest-attributes/<namespace>/<key>: PUT by the guest (the guest agent publishes the host
 *   keys under hostkeys/), only with the `enable-guest-attributes` metadata, read back through the API
 *   (instances.getGuestAttributes), as citc does to pin the management node's host keys.
 */
export async function startGceCloud(o: CloudOptions, emit: (line: object) => void): Promise<LabCloud> {
  const { net, project } = o;
  const gce = new GceFake({ privateIp: (n) => `${net}.${100 + n}` });
  gce.on('instance', (e) => {
    const inst = [...gce.instances.values()].find((i) => i.name === e.id && i.zone === e.zone);
    const disks = (inst?.properties.disks ?? []) as { boot?: boolean; initializeParams?: { sourceImage?: string } }[];
    const imageId = disks.find((d) => d.boot)?.initializeParams?.sourceImage;
    emit({ ...e, imageId });
  });
  await gce.start(8773, `${net}.1`);

  const tokens = new Map<string, string>();

  function metadata(req: IncomingMessage, res: ServerResponse, body: string) {
    const send = (code: number, text: string, type = 'application/text') => {
      res.writeHead(code, { 'content-type': type, 'metadata-flavor': 'Google', server: 'Metadata Server for VM' });
      res.end(text);
    };
    const notFound = () => send(404, 'Not Found', 'text/html; charset=UTF-8');
    if (req.headers['metadata-flavor'] !== 'Google') {
      return send(403, 'Missing Metadata-Flavor:Google header.', 'text/html; charset=UTF-8');
    }
    const path = new URL(req.url ?? '/', 'http://169.254.169.254').pathname;
    const base = '/computeMetadata/v1/';
    if (path === '/' || path === '/computeMetadata/' || path === '/computeMetadata/v1') return send(200, 'v1/\n');
    if (!path.startsWith(base)) return notFound();
    const key = path.slice(base.length);
    if (key === '' || key === '/') return send(200, 'instance/\noslogin/\nproject/\nuniverse/\n');
    if (key === 'project/project-id') return send(200, project);
    if (key === 'project/numeric-project-id') return send(200, PROJECT_NUMBER);
    if (key === 'universe/universe-domain') return send(200, 'googleapis.com');
    if (key === 'project/attributes/' || key === 'project/attributes') return send(200, '');
    const source = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const inst = gce.byAddress(source);
    if (!inst) return notFound();
    if (key === 'instance' || key === 'instance/') {
      return send(200, 'attributes/\nhostname\nid\nmachine-type\nname\nnetwork-interfaces/\nservice-accounts/\nzone\n');
    }
    const guestPrefix = 'instance/guest-attributes/';
    if (key.startsWith(guestPrefix)) return guestAttribute(req, inst, key.slice(guestPrefix.length), body, send);
    if (req.method !== 'GET') return send(405, 'Method Not Allowed', 'text/html; charset=UTF-8');
    const value = instanceKey(inst, key.slice('instance/'.length));
    // What a node learns its Slurm name from (ansible/roles/slurmd citc-node-boot.sh): reported to the rehearsal.
    if (key === 'instance/name') emit({ metadata: { ip: source, key, answer: value ?? '404' } });
    return value === undefined ? notFound() : send(200, value, value.startsWith('{') ? 'application/json' : undefined);
  }

  function instanceKey(inst: GceFakeInstance, key: string): string | undefined {
    const account = inst.serviceAccount;
    switch (key) {
      case 'name':
        return inst.name;
      case 'id':
        return inst.id;
      case 'hostname':
        return `${inst.name}.${inst.zone}.c.${project}.internal`;
      case 'zone':
        return `projects/${PROJECT_NUMBER}/zones/${inst.zone}`;
      case 'machine-type':
        return `projects/${PROJECT_NUMBER}/machineTypes/${inst.machineType}`;
      case 'network-interfaces/0/ip':
        return inst.networkIP;
      case 'attributes/':
      case 'attributes':
        return Object.keys(inst.metadata)
          .map((k) => `${k}\n`)
          .join('');
      case 'service-accounts/':
      case 'service-accounts':
        return account ? `default/\n${account}/\n` : '';
    }
    if (key.startsWith('attributes/')) return inst.metadata[key.slice('attributes/'.length)];
    const sa = /^service-accounts\/([^/]+)\/(email|scopes|token|aliases)$/.exec(key);
    if (!account || !sa || (sa[1] !== 'default' && sa[1] !== account)) return undefined;
    if (sa[2] === 'email') return account;
    if (sa[2] === 'aliases') return 'default\n';
    if (sa[2] === 'scopes') return 'https://www.googleapis.com/auth/cloud-platform\n';
    // An access token the fake API does not check (it takes any caller, as the fakes do).
    const token = `ya29.lab-${randomBytes(12).toString('hex')}`;
    tokens.set(token, inst.name);
    return JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  function guestAttribute(
    req: IncomingMessage,
    inst: GceFakeInstance,
    key: string,
    body: string,
    send: (code: number, text: string) => void,
  ) {
    if (inst.metadata['enable-guest-attributes']?.toUpperCase() !== 'TRUE') {
      return send(403, 'Guest attributes endpoint access is disabled.');
    }
    if (!/^[\w-]+\/[\w.-]+$/.test(key)) return send(400, 'Bad guest attribute path');
    if (req.method === 'PUT') {
      inst.guestAttributes.set(key, body);
      return send(200, '');
    }
    const v = inst.guestAttributes.get(key);
    return v === undefined ? send(404, 'Not Found') : send(200, v);
  }

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => metadata(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(80, '169.254.169.254', resolve));

  // The Security Token Service (sts.googleapis.com's token exchange, the `token_url` of the admin's
  // external account credentials): any subject token buys a short access token, which the fake API does not check.
  const sts = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://sts').pathname;
      if (req.method !== 'POST' || path !== '/v1/token') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not_found' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `ya29.lab-sts-${randomBytes(12).toString('hex')}`,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => sts.listen(STS_PORT, `${net}.1`, resolve));
  return {
    endpoint: gce.endpoint,
    command: (c) => {
      if ('adopt' in c) {
        const a = (c as unknown as GceAdoptCommand).adopt;
        gce.adopt(project, a.zone, a);
      } else if ('forget' in c) {
        const f = (c as unknown as GceForgetCommand).forget;
        gce.forget(project, f.zone, f.name);
      }
    },
    stop: async () => {
      server.close();
      sts.close();
      await gce.stop();
    },
  };
}
