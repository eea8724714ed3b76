import { expandHostlist } from '../../../src/core/hostlist.js';
import { loopbackIp } from '../faults.js';
import { FakeServer, type Reply } from '../http.js';
import { list, members, type Params, parseForm } from './query.js';
import { errorResponse, response, type XmlNode } from './xml.js';

/** One instance as the fake keeps it; `state` moves pending→running, shutting-down→terminated. */
export interface Ec2FakeInstance {
  id: string;
  reservationId: string;
  imageId: string;
  instanceType: string;
  zone: string;
  subnetId: string;
  state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
  privateIp: string;
  launchIndex: number;
  launchTime: Date;
  tags: Record<string, string>;
  spot: boolean;
  /** Tags/params of the RunInstances call, for assertions on what the adapter sent. */
  request: Record<string, string>;
  /** Set by seed (e.g. the management node's address); RunInstances leaves it out. */
  publicIp?: string;
}

/** An AMI as the fake keeps it (DescribeImages/DeregisterImage), with the snapshots behind it. */
export interface Ec2FakeImage {
  id: string;
  name: string;
  createdAt: Date;
  tags: Record<string, string>;
  snapshots: string[];
}

export interface Ec2FakeOptions {
  /** subnet id → zone; `subnet-<zone>` is understood without an entry. */
  subnets?: Record<string, string>;
  /** ms from TerminateInstances to `terminated` (0: at once after the reply). */
  terminateDelayMs?: number;
  /** ms from RunInstances to `running`. */
  bootDelayMs?: number;
  /** The private address of the n-th instance (default loopback from 127.0.1.1; the rehearsal lab hands out its own). */
  privateIp?: (n: number) => string;
  /** The serial console of an instance that `consoles` has no entry for (the rehearsal lab reads it from files). */
  consoleOf?: (id: string) => string | undefined;
}

const STATE_CODE = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
} as const;

/** EC2 over its real Query protocol on 127.0.0.1, for the real @aws-sdk/client-ec2. */
export class Ec2Fake extends FakeServer {
  readonly instances = new Map<string, Ec2FakeInstance>();
  /** instance id → its serial console text, for GetConsoleOutput (any id, e.g. a management node). */
  readonly consoles = new Map<string, string>();
  readonly images = new Map<string, Ec2FakeImage>();
  /** Snapshot ids that exist (seeded with an image, removed by DeleteSnapshot). */
  readonly snapshots = new Set<string>();
  private readonly tokens = new Map<string, { key: string; ids: string[] }>();
  private seq = 0;
  private ipSeq = 0;

  constructor(private readonly opts: Ec2FakeOptions = {}) {
    super();
  }

  state() {
    return {
      instances: [...this.instances.values()],
      live: this.live().map((i) => i.id),
    };
  }

  /** Instances not yet terminated (what a test checks for leaks). */
  live(cluster?: string): Ec2FakeInstance[] {
    return [...this.instances.values()].filter(
      (i) => i.state !== 'terminated' && (cluster === undefined || i.tags['citc:cluster'] === cluster),
    );
  }

  /** Seeds instances directly (e.g. another cluster's, or 2500 for pagination) without API calls. */
  seed(n: number, init: Partial<Ec2FakeInstance> & { tags: Record<string, string> }): Ec2FakeInstance[] {
    const out: Ec2FakeInstance[] = [];
    for (let k = 0; k < n; k++) {
      const inst = this.newInstance({
        zone: 'us-east-1a',
        instanceType: 't3.micro',
        subnetId: 'subnet-us-east-1a',
        ...init,
        launchIndex: init.launchIndex ?? k,
      });
      inst.state = init.state ?? 'running';
      out.push(inst);
    }
    return out;
  }

  /**
   * Outside the API (someone else's launch with the cluster's tags): a running instance, with its
   * `created` event when `announce` (the e2e boot agent then boots it).
   */
  appear(init: Partial<Ec2FakeInstance> & { tags: Record<string, string> }, announce = false): Ec2FakeInstance {
    const [inst] = this.seed(1, { launchIndex: 0, ...init });
    const i = inst as Ec2FakeInstance;
    if (announce) this.emitInstance({ type: 'created', ...this.eventOf(i) });
    return i;
  }

  /** Outside the API (a hardware failure, a spot reclaim, a person in the console): terminated now. */
  die(ids: readonly string[]): void {
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i || i.state === 'terminated') continue;
      i.state = 'terminated';
      this.emitInstance({ type: 'terminated', ...this.eventOf(i) });
    }
  }

  private eventOf(i: Ec2FakeInstance) {
    return {
      id: i.id,
      name: i.tags.Name ?? i.id,
      node: this.nodeOf(i),
      cluster: i.tags['citc:cluster'] ?? '',
      zone: i.zone,
      ip: i.privateIp,
    };
  }

  private newInstance(init: Partial<Ec2FakeInstance> & { tags: Record<string, string> }): Ec2FakeInstance {
    const n = ++this.seq;
    const inst: Ec2FakeInstance = {
      id: `i-${n.toString(16).padStart(17, '0')}`,
      reservationId: init.reservationId ?? `r-${n.toString(16).padStart(17, '0')}`,
      imageId: init.imageId ?? 'ami-00000000000000001',
      instanceType: init.instanceType ?? 't3.micro',
      zone: init.zone ?? 'us-east-1a',
      subnetId: init.subnetId ?? 'subnet-us-east-1a',
      state: 'pending',
      privateIp: (this.opts.privateIp ?? loopbackIp)(this.ipSeq++),
      launchIndex: init.launchIndex ?? 0,
      launchTime: new Date(),
      tags: { ...init.tags },
      spot: init.spot ?? false,
      request: init.request ?? {},
      ...(init.publicIp && { publicIp: init.publicIp }),
    };
    this.instances.set(inst.id, inst);
    return inst;
  }

  /** The node an instance serves, as the adapter derives it: citc:node, else citc:nodes[AmiLaunchIndex]. */
  nodeOf(i: Ec2FakeInstance): string {
    if (i.tags['citc:node']) return i.tags['citc:node'];
    const l = i.tags['citc:nodes'];
    return l ? (expandHostlist(l)[i.launchIndex] ?? '') : '';
  }

  protected handle(method: string, _url: URL, body: string): Reply {
    const p = parseForm(body);
    const action = p.get('Action') ?? '';
    const params = Object.fromEntries(p);
    const requestId = `req-${this.calls.length + 1}`;
    const fail = (status: number, code: string, message: string): Reply => {
      this.calls.push({ operation: action, params, status, errorCode: code });
      return {
        status,
        body: errorResponse(code, message, requestId),
        contentType: 'text/xml',
      };
    };
    if (method !== 'POST') return fail(400, 'InvalidAction', 'EC2 takes POST');
    if (p.get('Version') !== '2016-11-15')
      return fail(400, 'InvalidParameterValue', `unsupported Version ${p.get('Version')}`);
    if (this.faults.takeThrottle(action)) return fail(503, 'RequestLimitExceeded', 'Request limit exceeded.');
    if (this.faults.takeServerError(action)) return fail(500, 'InternalError', 'An internal error has occurred');
    let out: { body: XmlNode } | { error: [number, string, string] };
    switch (action) {
      case 'RunInstances':
        out = this.runInstances(p);
        break;
      case 'DescribeInstances':
        out = this.describeInstances(p);
        break;
      case 'TerminateInstances':
        out = this.terminateInstances(p);
        break;
      case 'CreateTags':
        out = this.createTags(p);
        break;
      case 'GetConsoleOutput': {
        const id = p.get('InstanceId') ?? '';
        const text = this.consoles.get(id) ?? this.opts.consoleOf?.(id);
        out =
          text === undefined && !this.instances.has(id)
            ? { error: [400, 'InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`] }
            : {
                body: {
                  instanceId: id,
                  timestamp: new Date().toISOString(),
                  output: Buffer.from(text ?? '').toString('base64'),
                },
              };
        break;
      }
      case 'DescribeImages':
        out = this.describeImages(p);
        break;
      case 'DeregisterImage':
        out = this.deregisterImage(p);
        break;
      case 'DeleteSnapshot':
        out = this.deleteSnapshot(p);
        break;
      default:
        return fail(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
    if ('error' in out) return fail(...out.error);
    this.calls.push({ operation: action, params, status: 200 });
    return {
      status: 200,
      body: response(action, out.body, requestId),
      contentType: 'text/xml',
    };
  }

  private runInstances(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const min = Number(p.get('MinCount'));
    const max = Number(p.get('MaxCount'));
    const type = p.get('InstanceType') ?? 'm1.small';
    const subnetId = p.get('SubnetId') ?? '';
    if (!(min >= 1 && max >= min))
      return {
        error: [400, 'InvalidParameterValue', `MinCount ${min} / MaxCount ${max} are invalid`],
      };
    if (!p.get('ImageId') && !p.get('LaunchTemplate.LaunchTemplateId'))
      return {
        error: [400, 'MissingParameter', 'The request must contain the parameter ImageId'],
      };
    const zone = this.opts.subnets?.[subnetId] ?? /^subnet-(.+)$/.exec(subnetId)?.[1];
    if (!zone)
      return {
        error: [400, 'InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`],
      };
    const token = p.get('ClientToken');
    // Idempotency: same token + same request → the original reservation, as it is now.
    const key = JSON.stringify([...p].filter(([k]) => k !== 'ClientToken').sort());
    if (token && this.tokens.has(token)) {
      const prev = this.tokens.get(token);
      if (prev?.key !== key)
        return {
          error: [400, 'IdempotentParameterMismatch', `Client token ${token} was used with different parameters`],
        };
      const insts = (prev?.ids ?? []).map((id) => this.instances.get(id) as Ec2FakeInstance);
      return { body: this.reservationXml(insts) };
    }
    const cap = this.faults.takeCapacity(zone, type);
    if (cap) {
      const code = cap.code ?? 'InsufficientInstanceCapacity';
      return {
        error: [
          400,
          code,
          `We currently do not have sufficient ${type} capacity in the Availability Zone you requested (${zone}).`,
        ],
      };
    }
    const partial = this.faults.takePartial();
    const count = partial === undefined ? max : Math.min(partial, max);
    if (count < min) {
      return {
        error: [
          400,
          'InsufficientInstanceCapacity',
          `We currently do not have sufficient ${type} capacity (${count} of minimum ${min}).`,
        ],
      };
    }
    const tags: Record<string, string> = {};
    for (const spec of members(p, 'TagSpecification')) {
      if (spec.get('ResourceType') !== 'instance') continue;
      for (const t of members(spec, 'Tag')) tags[t.get('Key') ?? ''] = t.get('Value') ?? '';
    }
    for (const v of Object.values(tags)) {
      if (v.length > 256)
        return {
          error: [400, 'InvalidParameterValue', `Tag value exceeds 256 characters: ${v.slice(0, 40)}...`],
        };
    }
    const reservationId = `r-${(this.seq + 1).toString(16).padStart(17, '0')}`;
    const request = Object.fromEntries(p);
    const insts: Ec2FakeInstance[] = [];
    for (let k = 0; k < count; k++) {
      insts.push(
        this.newInstance({
          reservationId,
          imageId: p.get('ImageId') ?? 'ami-fromtemplate',
          instanceType: type,
          zone,
          subnetId,
          launchIndex: k,
          tags,
          spot: p.get('InstanceMarketOptions.MarketType') === 'spot',
          request,
        }),
      );
    }
    if (token) this.tokens.set(token, { key, ids: insts.map((i) => i.id) });
    const body = this.reservationXml(insts);
    for (const i of insts) {
      this.emitInstance({
        type: 'created',
        id: i.id,
        name: i.tags.Name ?? i.id,
        node: this.nodeOf(i),
        cluster: i.tags['citc:cluster'] ?? '',
        zone,
        ip: i.privateIp,
      });
      const run = () => {
        if (i.state === 'pending') i.state = 'running';
      };
      if (this.opts.bootDelayMs) setTimeout(run, this.opts.bootDelayMs).unref();
      else queueMicrotask(run);
    }
    return { body };
  }

  private reservationXml(insts: Ec2FakeInstance[]): XmlNode {
    return {
      reservationId: insts[0]?.reservationId ?? 'r-0',
      ownerId: '123456789012',
      groupSet: [],
      instancesSet: insts.map((i) => this.instanceXml(i)),
    };
  }

  private instanceXml(i: Ec2FakeInstance): XmlNode {
    return {
      instanceId: i.id,
      imageId: i.imageId,
      instanceState: { code: STATE_CODE[i.state], name: i.state },
      privateIpAddress: i.privateIp,
      ipAddress: i.publicIp,
      amiLaunchIndex: i.launchIndex,
      instanceType: i.instanceType,
      launchTime: i.launchTime.toISOString(),
      placement: { availabilityZone: i.zone },
      subnetId: i.subnetId,
      instanceLifecycle: i.spot ? 'spot' : undefined,
      tagSet: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
    };
  }

  private describeInstances(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const ids = list(p, 'InstanceId');
    let insts = [...this.instances.values()];
    if (ids.length > 0) {
      const missing = ids.filter((id) => !this.instances.has(id));
      if (missing.length)
        return {
          error: [400, 'InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`],
        };
      insts = ids.map((id) => this.instances.get(id) as Ec2FakeInstance);
    }
    for (const f of members(p, 'Filter')) {
      const name = f.get('Name') ?? '';
      const values = new Set(list(f, 'Value'));
      let match: (i: Ec2FakeInstance) => boolean;
      if (name.startsWith('tag:')) {
        const k = name.slice(4);
        match = (i) => i.tags[k] !== undefined && values.has(i.tags[k]);
      } else if (name === 'tag-key') match = (i) => [...values].some((k) => i.tags[k] !== undefined);
      else if (name === 'instance-state-name') match = (i) => values.has(i.state);
      else if (name === 'instance-id') match = (i) => values.has(i.id);
      else if (name === 'availability-zone') match = (i) => values.has(i.zone);
      else
        return {
          error: [400, 'InvalidParameterValue', `The filter '${name}' is invalid`],
        };
      insts = insts.filter(match);
    }
    const maxResults = p.has('MaxResults') ? Number(p.get('MaxResults')) : undefined;
    if (maxResults !== undefined && (maxResults < 5 || maxResults > 1000)) {
      return {
        error: [400, 'InvalidParameterValue', `MaxResults ${maxResults} is not between 5 and 1000`],
      };
    }
    const start = p.has('NextToken') ? Number(Buffer.from(p.get('NextToken') ?? '', 'base64url').toString()) : 0;
    const page = maxResults === undefined ? insts.slice(start) : insts.slice(start, start + maxResults);
    const next =
      maxResults !== undefined && start + maxResults < insts.length
        ? Buffer.from(String(start + maxResults)).toString('base64url')
        : undefined;
    // EC2 groups instances by reservation.
    const byRes = new Map<string, Ec2FakeInstance[]>();
    for (const i of page) byRes.set(i.reservationId, [...(byRes.get(i.reservationId) ?? []), i]);
    return {
      body: {
        reservationSet: [...byRes.entries()].map(([rid, is]) => ({
          reservationId: rid,
          ownerId: '123456789012',
          groupSet: [],
          instancesSet: is.map((i) => this.instanceXml(i)),
        })),
        nextToken: next,
      },
    };
  }

  private terminateInstances(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const ids = list(p, 'InstanceId');
    if (ids.length === 0)
      return {
        error: [400, 'MissingParameter', 'The request must contain the parameter InstanceId'],
      };
    if (ids.length > 1000)
      return {
        error: [400, 'InvalidParameterValue', 'At most 1000 instance IDs per call'],
      };
    const missing = ids.filter((id) => !this.instances.has(id));
    if (missing.length === 1)
      return {
        error: [400, 'InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`],
      };
    if (missing.length > 1)
      return {
        error: [400, 'InvalidInstanceID.NotFound', `The instance IDs '${missing.join(', ')}' do not exist`],
      };
    const items = ids.map((id) => {
      const i = this.instances.get(id) as Ec2FakeInstance;
      const previous = i.state;
      if (i.state !== 'terminated' && i.state !== 'shutting-down') {
        i.state = 'shutting-down';
        const done = () => {
          i.state = 'terminated';
          this.emitInstance({
            type: 'terminated',
            id: i.id,
            name: i.tags.Name ?? i.id,
            node: this.nodeOf(i),
            cluster: i.tags['citc:cluster'] ?? '',
            zone: i.zone,
            ip: i.privateIp,
          });
        };
        if (this.opts.terminateDelayMs) setTimeout(done, this.opts.terminateDelayMs).unref();
        else setImmediate(done);
      }
      return {
        instanceId: id,
        currentState: { code: STATE_CODE[i.state], name: i.state },
        previousState: { code: STATE_CODE[previous], name: previous },
      };
    });
    return { body: { instancesSet: items } };
  }

  private createTags(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const ids = list(p, 'ResourceId');
    const missing = ids.filter((id) => !this.instances.has(id));
    if (missing.length)
      return {
        error: [400, 'InvalidInstanceID.NotFound', `The instance ID '${missing[0]}' does not exist`],
      };
    for (const id of ids) {
      const i = this.instances.get(id) as Ec2FakeInstance;
      for (const t of members(p, 'Tag')) i.tags[t.get('Key') ?? ''] = t.get('Value') ?? '';
    }
    return { body: { return: true } };
  }

  /** Adds an AMI with one snapshot, as `citc image rebuild` leaves them. */
  seedImage(init: { name: string; tags: Record<string, string>; createdAt?: Date }): Ec2FakeImage {
    const n = ++this.seq;
    const img: Ec2FakeImage = {
      id: `ami-${n.toString(16).padStart(17, '0')}`,
      name: init.name,
      createdAt: init.createdAt ?? new Date(),
      tags: { ...init.tags },
      snapshots: [`snap-${n.toString(16).padStart(17, '0')}`],
    };
    this.images.set(img.id, img);
    for (const s of img.snapshots) this.snapshots.add(s);
    return img;
  }

  private describeImages(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const owners = list(p, 'Owner');
    if (owners.length > 0 && !owners.includes('self')) return { body: { imagesSet: [] } };
    let imgs = [...this.images.values()];
    const ids = list(p, 'ImageId');
    if (ids.length > 0) imgs = imgs.filter((i) => ids.includes(i.id));
    for (const f of members(p, 'Filter')) {
      const name = f.get('Name') ?? '';
      const values = new Set(list(f, 'Value'));
      if (!name.startsWith('tag:')) return { error: [400, 'InvalidParameterValue', `The filter '${name}' is invalid`] };
      const k = name.slice(4);
      imgs = imgs.filter((i) => i.tags[k] !== undefined && values.has(i.tags[k]));
    }
    return {
      body: {
        imagesSet: imgs.map((i) => ({
          imageId: i.id,
          name: i.name,
          imageState: 'available',
          creationDate: i.createdAt.toISOString(),
          imageOwnerId: '123456789012',
          blockDeviceMapping: i.snapshots.map((s) => ({ deviceName: '/dev/sda1', ebs: { snapshotId: s } })),
          tagSet: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
        })),
      },
    };
  }

  private deregisterImage(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const id = p.get('ImageId') ?? '';
    if (!this.images.delete(id))
      return { error: [400, 'InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`] };
    return { body: { return: true } };
  }

  private deleteSnapshot(p: Params): { body: XmlNode } | { error: [number, string, string] } {
    const id = p.get('SnapshotId') ?? '';
    if ([...this.images.values()].some((i) => i.snapshots.includes(id)))
      return { error: [400, 'InvalidSnapshot.InUse', `The snapshot ${id} is currently in use by an AMI`] };
    if (!this.snapshots.delete(id))
      return { error: [400, 'InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`] };
    return { body: { return: true } };
  }
}
