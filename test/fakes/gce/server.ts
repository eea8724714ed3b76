import { STATUS_CODES } from 'node:http';
import { loopbackIp, type RequestContext, requestScope } from '../faults.js';
import { FakeServer, json, type Reply } from '../http.js';

/** One instance as the fake keeps it, in the REST API's own field names. */
export interface GceFakeInstance {
  id: string;
  name: string;
  zone: string;
  machineType: string;
  status: 'PROVISIONING' | 'STAGING' | 'RUNNING' | 'STOPPING' | 'TERMINATED' | 'SUSPENDED';
  labels: Record<string, string>;
  networkIP: string;
  creationTimestamp: string;
  /** The bulkInsert instanceProperties it came from, for assertions on what the adapter sent. */
  properties: Record<string, unknown>;
  /** External address (set on a seeded management node); bulkInsert leaves it out. */
  natIP?: string;
  /** Instance metadata (`metadata.items`), what the metadata server answers under instance/attributes/. */
  metadata: Record<string, string>;
  /** Guest attributes the guest set through the metadata server (`<namespace>/<key>` → value). */
  guestAttributes: Map<string, string>;
  /** The service account the instance runs as, if any (its token comes from the metadata server). */
  serviceAccount?: string;
}

/** A global image (`citc image rebuild` makes one per build, labelled with the cluster). */
export interface GceFakeImage {
  name: string;
  labels: Record<string, string>;
  creationTimestamp: string;
  status: 'READY';
}

export interface GceOperation {
  kind: 'compute#operation';
  id: string;
  name: string;
  zone: string;
  operationType: string;
  targetLink: string;
  status: 'PENDING' | 'RUNNING' | 'DONE';
  progress: number;
  insertTime: string;
  selfLink: string;
  error?: { errors: { code: string; message: string }[] };
  httpErrorStatusCode?: number;
  instancesBulkInsertOperationMetadata?: {
    perLocationStatus: Record<
      string,
      {
        status: string;
        createdVmCount: number;
        failedToCreateVmCount: number;
        targetVmCount: number;
      }
    >;
  };
}

export interface GceFakeOptions {
  /** ms an operation stays RUNNING before DONE (bulkInsert, delete). */
  operationMs?: number;
  /** Longest a /wait call blocks, ms (the real API: about 2 minutes). */
  waitMs?: number;
  /** The private address of the n-th instance (default loopback from 127.0.1.1; the rehearsal lab hands out its own). */
  privateIp?: (n: number) => string;
}

const BASE = '/compute/v1/projects/';

/** Compute Engine over the REST paths the @google-cloud/compute REST fallback uses, on 127.0.0.1. */
export class GceFake extends FakeServer {
  /** key: `${project}/${zone}/${name}` */
  readonly instances = new Map<string, GceFakeInstance>();
  readonly operations = new Map<string, GceOperation>();
  /** key: `${project}/${name}` */
  readonly images = new Map<string, GceFakeImage>();
  private seq = 0;
  private ipSeq = 0;

  constructor(private readonly opts: GceFakeOptions = {}) {
    super();
  }

  state() {
    return {
      instances: [...this.instances.values()],
      operations: [...this.operations.values()],
    };
  }

  live(cluster?: string): GceFakeInstance[] {
    return [...this.instances.values()].filter((i) => cluster === undefined || i.labels['citc-cluster'] === cluster);
  }

  /** Adds instances without API calls; `status` TERMINATED/SUSPENDED stands for a VM that powered itself off. */
  seed(
    project: string,
    zone: string,
    names: string[],
    labels: Record<string, string>,
    status: GceFakeInstance['status'] = 'RUNNING',
  ): void {
    for (const name of names) this.create(project, zone, name, 'e2-small', labels, {}, status);
  }

  /**
   * Adds one instance made outside the API (terraform's management node), with its address, metadata and
   * service account; replaces one of the same name.
   */
  adopt(
    project: string,
    zone: string,
    init: {
      name: string;
      machineType?: string;
      networkIP: string;
      natIP?: string;
      labels?: Record<string, string>;
      metadata?: Record<string, string>;
      serviceAccount?: string;
    },
  ): GceFakeInstance {
    const inst = this.create(
      project,
      zone,
      init.name,
      init.machineType ?? 'e2-medium',
      init.labels ?? {},
      {},
      'RUNNING',
      init.networkIP,
    );
    if (init.natIP) inst.natIP = init.natIP;
    inst.metadata = { ...init.metadata };
    if (init.serviceAccount) inst.serviceAccount = init.serviceAccount;
    return inst;
  }

  /** Removes an instance made outside the API (terraform destroy). */
  forget(project: string, zone: string, name: string): boolean {
    return this.instances.delete(`${project}/${zone}/${name}`);
  }

  /** The live instance with this private address (the metadata server tells instances apart by it). */
  byAddress(ip: string): GceFakeInstance | undefined {
    return [...this.instances.values()].find((i) => i.networkIP === ip && i.status !== 'TERMINATED');
  }

  /** Adds an image of a build without API calls. */
  seedImage(
    project: string,
    name: string,
    labels: Record<string, string>,
    creationTimestamp = new Date().toISOString(),
  ): void {
    this.images.set(`${project}/${name}`, { name, labels: { ...labels }, creationTimestamp, status: 'READY' });
  }

  private url(path: string): string {
    return `https://compute.googleapis.com${path}`;
  }

  private create(
    project: string,
    zone: string,
    name: string,
    machineType: string,
    labels: Record<string, string>,
    properties: Record<string, unknown>,
    status: GceFakeInstance['status'],
    /** An address of its own (adopt); else the next one handed out. */
    networkIP?: string,
  ): GceFakeInstance {
    const items = (properties.metadata as { items?: { key?: string; value?: string }[] } | undefined)?.items ?? [];
    const account = (properties.serviceAccounts as { email?: string }[] | undefined)?.[0]?.email;
    const inst: GceFakeInstance = {
      id: String(1_000_000_000 + ++this.seq),
      name,
      zone,
      machineType,
      status,
      labels: { ...labels },
      networkIP: networkIP ?? (this.opts.privateIp ?? loopbackIp)(this.ipSeq++),
      creationTimestamp: new Date().toISOString(),
      properties,
      metadata: Object.fromEntries(items.map((i) => [i.key ?? '', i.value ?? ''])),
      guestAttributes: new Map(),
      ...(account && { serviceAccount: account }),
    };
    this.instances.set(`${project}/${zone}/${name}`, inst);
    return inst;
  }

  private instanceJson(project: string, i: GceFakeInstance) {
    const zonePath = `${BASE}${project}/zones/${i.zone}`;
    return {
      kind: 'compute#instance',
      id: i.id,
      name: i.name,
      zone: this.url(zonePath),
      machineType: this.url(`${zonePath}/machineTypes/${i.machineType}`),
      status: i.status,
      labels: i.labels,
      creationTimestamp: i.creationTimestamp,
      networkInterfaces: [
        {
          name: 'nic0',
          networkIP: i.networkIP,
          ...(i.natIP && { accessConfigs: [{ name: 'External NAT', natIP: i.natIP }] }),
        },
      ],
      selfLink: this.url(`${zonePath}/instances/${i.name}`),
    };
  }

  private newOperation(project: string, zone: string, type: string, target: string): GceOperation {
    const name = `operation-${Date.now()}-${++this.seq}`;
    const zonePath = `${BASE}${project}/zones/${zone}`;
    const op: GceOperation = {
      kind: 'compute#operation',
      id: String(this.seq),
      name,
      zone: this.url(zonePath),
      operationType: type,
      targetLink: this.url(target),
      status: 'RUNNING',
      progress: 0,
      insertTime: new Date().toISOString(),
      selfLink: this.url(`${zonePath}/operations/${name}`),
    };
    this.operations.set(`${project}/${zone}/${name}`, op);
    return op;
  }

  /** Runs `work` when the operation completes (after operationMs), then marks it DONE. */
  private finish(op: GceOperation, work: () => void): void {
    const done = () => {
      work();
      op.status = 'DONE';
      op.progress = 100;
    };
    if (this.opts.operationMs) setTimeout(done, this.opts.operationMs).unref();
    else done();
  }

  protected handle(method: string, url: URL, body: string): Promise<Reply> {
    return this.dispatch(method, url, body, false);
  }

  /** One API call; `inBatch`: a call inside a batch request (its call record says so). */
  private async dispatch(method: string, url: URL, body: string, inBatch: boolean): Promise<Reply> {
    const path = url.pathname;
    const route = this.route(method, path);
    const params = {
      path,
      query: Object.fromEntries(url.searchParams),
      body: body && route.op !== 'batch' ? (JSON.parse(body) as unknown) : undefined,
      ...(inBatch && { inBatch: true }),
    };
    const fail = (code: number, reason: string, message: string): Reply => {
      this.calls.push({
        operation: route.op,
        params,
        status: code,
        errorCode: reason,
      });
      return json(code, {
        error: {
          code,
          message,
          errors: [{ message, domain: 'global', reason }],
        },
      });
    };
    if (this.faults.takeThrottle(route.op)) return fail(403, 'rateLimitExceeded', 'Rate Limit Exceeded');
    if (this.faults.takeServerError(route.op)) return fail(503, 'backendError', 'Backend Error');
    const m = route.m;
    let out: Reply;
    switch (route.op) {
      case 'batch':
        out = await this.batch(body);
        break;
      case 'bulkInsert':
        out = this.bulkInsert(m[1] as string, m[2] as string, params.body as Record<string, unknown>);
        break;
      case 'list':
        out = this.list(m[1] as string, url.searchParams, (i) => i.zone === m[2]);
        break;
      case 'aggregatedList':
        out = this.list(m[1] as string, url.searchParams, () => true, true);
        break;
      case 'get': {
        const i = this.instances.get(`${m[1]}/${m[2]}/${m[3]}`);
        out = i ? json(200, this.instanceJson(m[1] as string, i)) : notFound(`instance ${m[3]}`);
        break;
      }
      case 'getGuestAttributes':
        out = this.guestAttributes(m[1] as string, m[2] as string, m[3] as string, url.searchParams);
        break;
      case 'delete':
        out = this.delete(m[1] as string, m[2] as string, m[3] as string);
        break;
      case 'operations.get':
      case 'operations.wait': {
        const key = `${m[1]}/${m[2]}/${m[3]}`;
        let op = this.operations.get(key);
        const until = Date.now() + (this.opts.waitMs ?? 2000);
        while (route.op === 'operations.wait' && op && op.status !== 'DONE' && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 10));
          op = this.operations.get(key);
        }
        out = op ? json(200, op) : notFound(`operation ${m[3]}`);
        break;
      }
      case 'images.list': {
        const pred = parseFilter(url.searchParams.get('filter') ?? '');
        if (pred instanceof Error) {
          out = badRequest(pred.message);
          break;
        }
        const items = [...this.images.entries()]
          .filter(([k, i]) => k.startsWith(`${m[1]}/`) && pred(i as unknown as GceFakeInstance))
          .map(([, i]) => ({
            kind: 'compute#image',
            ...i,
            selfLink: this.url(`${BASE}${m[1]}/global/images/${i.name}`),
          }));
        out = json(200, { kind: 'compute#imageList', items });
        break;
      }
      case 'images.delete': {
        const key = `${m[1]}/${m[2]}`;
        if (!this.images.delete(key)) {
          out = notFound(`The resource 'projects/${m[1]}/global/images/${m[2]}' was not found`);
          break;
        }
        out = json(200, {
          kind: 'compute#operation',
          id: String(++this.seq),
          name: `operation-${Date.now()}-${this.seq}`,
          operationType: 'delete',
          targetLink: this.url(`${BASE}${m[1]}/global/images/${m[2]}`),
          status: 'DONE',
          progress: 100,
          selfLink: this.url(`${BASE}${m[1]}/global/operations/operation-${this.seq}`),
        });
        break;
      }
      default:
        out = notFound(`${method} ${path}`);
    }
    const errorCode =
      out.status >= 400 && out.contentType === 'application/json'
        ? ((
            JSON.parse(out.body) as {
              error?: { errors?: { reason?: string }[] };
            }
          ).error?.errors?.[0]?.reason ?? String(out.status))
        : undefined;
    this.calls.push({
      operation: route.op,
      params,
      status: out.status,
      ...(errorCode && { errorCode }),
    });
    return out;
  }

  private route(method: string, path: string): { op: string; m: string[] } {
    const table: [string, RegExp, string][] = [
      ['POST', /^\/batch\/compute\/v1$/, 'batch'],
      ['POST', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/bulkInsert$/, 'bulkInsert'],
      ['GET', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances$/, 'list'],
      ['GET', /^\/compute\/v1\/projects\/([^/]+)\/aggregated\/instances$/, 'aggregatedList'],
      ['GET', /^\/compute\/v1\/projects\/([^/]+)\/global\/images$/, 'images.list'],
      ['DELETE', /^\/compute\/v1\/projects\/([^/]+)\/global\/images\/([^/]+)$/, 'images.delete'],
      ['GET', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/, 'get'],
      ['DELETE', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)$/, 'delete'],
      [
        'GET',
        /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/instances\/([^/]+)\/getGuestAttributes$/,
        'getGuestAttributes',
      ],
      ['GET', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/operations\/([^/]+)$/, 'operations.get'],
      ['POST', /^\/compute\/v1\/projects\/([^/]+)\/zones\/([^/]+)\/operations\/([^/]+)\/wait$/, 'operations.wait'],
    ];
    for (const [meth, re, op] of table) {
      const m = re.exec(path);
      if (m && meth === method) return { op, m: m.map((s) => decodeURIComponent(s)) };
    }
    return { op: 'unknown', m: [] };
  }

  /**
   * The batch endpoint: a multipart/mixed body of whole HTTP requests (path-only URLs), each handled as
   * its own call (own faults, own call record), all at once; one reply part per call, Content-ID
   * `<response-ID>`. A connection fault armed for a call inside drops the whole batch (one connection,
   * dropped once: the calls after it in the batch arm no further connection fault).
   */
  private async batch(body: string): Promise<Reply> {
    // The boundary is the body's first delimiter line (RFC 2046); the fake does not see the request headers.
    const boundary = /^--([^\r\n]+)\r?\n/.exec(body)?.[1];
    if (!boundary) return badRequest('Failed to parse batch request: no multipart boundary');
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'));
    if (parts.length > 1000) return badRequest('A batch request holds at most 1000 calls');
    const outer = requestScope.getStore();
    const replies = await Promise.all(
      parts.map(async (raw) => {
        const [head, request] = cut(raw.replace(/^\r?\n/, ''));
        const id = /^content-id:\s*<?([^>\r\n]+)>?\s*$/im.exec(head)?.[1];
        const [reqHead, reqBody] = cut(request);
        const line = /^(GET|POST|DELETE|PATCH|PUT) (\/\S*)(?: HTTP\/1\.1)?$/.exec(reqHead.split(/\r?\n/)[0] ?? '');
        let reply: Reply;
        if (!/^content-type:\s*application\/http\s*$/im.test(head) || !line)
          reply = badRequest('Each batch part must be Content-Type: application/http holding one request');
        else {
          // The outer request's context: a connection fault taken here drops the whole batch; once it is
          // dropped, the calls after it run without one, so they take no connection fault of their own.
          const ctx = outer?.noReply ? undefined : outer;
          reply = await requestScope.run(ctx as RequestContext, () =>
            this.dispatch(
              line[1] as string,
              new URL(line[2] as string, 'http://127.0.0.1'),
              reqBody.replace(/\r?\n$/, ''),
              true,
            ),
          );
        }
        return [
          'Content-Type: application/http',
          ...(id ? [`Content-ID: <response-${id}>`] : []),
          '',
          `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}`,
          `Content-Type: ${reply.contentType}; charset=UTF-8`,
          `Content-Length: ${Buffer.byteLength(reply.body)}`,
          '',
          reply.body,
        ].join('\r\n');
      }),
    );
    const out = `batch_${++this.seq}`;
    return {
      status: 200,
      contentType: `multipart/mixed; boundary=${out}`,
      body: `${replies.map((r) => `--${out}\r\n${r}\r\n`).join('')}--${out}--\r\n`,
    };
  }

  private bulkInsert(project: string, zone: string, body: Record<string, unknown>): Reply {
    const count = Number(body.count ?? 0);
    const minCount = Number(body.minCount ?? count);
    const per = (body.perInstanceProperties ?? {}) as Record<string, unknown>;
    const names = Object.keys(per);
    const props = (body.instanceProperties ?? {}) as {
      machineType?: string;
      labels?: Record<string, string>;
    };
    if (!props.machineType) return badRequest('instanceProperties.machineType is required');
    if (count < 1 || names.length !== count || minCount > count) {
      return badRequest(`count ${count}, minCount ${minCount} and ${names.length} perInstanceProperties do not agree`);
    }
    const machineType = props.machineType;
    const op = this.newOperation(project, zone, 'bulkInsert', `${BASE}${project}/zones/${zone}/instances/bulkInsert`);
    // Names that already exist are skipped: a repeated call creates nothing twice.
    const fresh = names.filter((n) => !this.instances.has(`${project}/${zone}/${n}`));
    const cap = fresh.length > 0 ? this.faults.takeCapacity(zone, machineType) : undefined;
    const partial = cap ? 0 : this.faults.takePartial();
    const room = cap ? 0 : Math.min(partial ?? fresh.length, fresh.length);
    const created = room >= Math.min(minCount, fresh.length) ? fresh.slice(0, room) : [];
    const errCode = cap?.code ?? 'ZONE_RESOURCE_POOL_EXHAUSTED';
    this.finish(op, () => {
      for (const n of created) {
        const inst = this.create(
          project,
          zone,
          n,
          machineType,
          props.labels ?? {},
          props as Record<string, unknown>,
          'PROVISIONING',
        );
        inst.status = 'RUNNING';
        this.emitInstance({
          type: 'created',
          id: n,
          name: n,
          node: nodeOf(n, inst.labels),
          cluster: inst.labels['citc-cluster'] ?? '',
          zone,
          ip: inst.networkIP,
        });
      }
      if (created.length < fresh.length) {
        op.error = {
          errors: [
            {
              code: errCode,
              message: `The zone 'projects/${project}/zones/${zone}' does not have enough resources available to fulfill the request. '(resource type:compute)'.`,
            },
          ],
        };
        op.httpErrorStatusCode = 503;
      }
      op.instancesBulkInsertOperationMetadata = {
        perLocationStatus: {
          [`zones/${zone}`]: {
            status: created.length === fresh.length ? 'FULFILLED' : 'FAILED',
            createdVmCount: created.length,
            failedToCreateVmCount: fresh.length - created.length,
            targetVmCount: count,
          },
        },
      };
    });
    return json(200, op);
  }

  private list(
    project: string,
    q: URLSearchParams,
    inZone: (i: GceFakeInstance) => boolean,
    aggregated = false,
  ): Reply {
    const pred = parseFilter(q.get('filter') ?? '');
    if (pred instanceof Error) return badRequest(pred.message);
    const all = [...this.instances.entries()]
      .filter(([k, i]) => k.startsWith(`${project}/`) && inZone(i) && pred(i))
      .map(([, i]) => i);
    const max = Math.min(Number(q.get('maxResults') ?? 500), 500);
    const start = Number(q.get('pageToken') ?? 0);
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? String(start + max) : undefined;
    if (!aggregated) {
      return json(200, {
        kind: 'compute#instanceList',
        items: page.map((i) => this.instanceJson(project, i)),
        ...(next && { nextPageToken: next }),
      });
    }
    const items: Record<string, { instances: unknown[] }> = {};
    for (const i of page) {
      const scope = items[`zones/${i.zone}`] ?? { instances: [] };
      scope.instances.push(this.instanceJson(project, i));
      items[`zones/${i.zone}`] = scope;
    }
    return json(200, {
      kind: 'compute#instanceAggregatedList',
      items,
      ...(next && { nextPageToken: next }),
    });
  }

  /**
   * instances.getGuestAttributes: by `queryPath` (`<namespace>/` or `<namespace>/<key>`) or `variableKey`;
   * 404 while the guest has set none there, as the API answers before the guest agent has published.
   */
  private guestAttributes(project: string, zone: string, name: string, q: URLSearchParams): Reply {
    const inst = this.instances.get(`${project}/${zone}/${name}`);
    if (!inst) return notFound(`The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`);
    const selfLink = this.url(`${BASE}${project}/zones/${zone}/instances/${name}/getGuestAttributes`);
    const key = q.get('variableKey');
    if (key) {
      const value = inst.guestAttributes.get(key);
      return value === undefined
        ? notFound(`The guest attribute ${key} was not found`)
        : json(200, { kind: 'compute#guestAttributes', selfLink, variableKey: key, variableValue: value });
    }
    const path = q.get('queryPath') ?? '';
    const items = [...inst.guestAttributes.entries()]
      .filter(([k]) => k.startsWith(path))
      .map(([k, value]) => {
        const [namespace = '', ...rest] = k.split('/');
        return { namespace, key: rest.join('/'), value };
      });
    if (items.length === 0) return notFound(`The guest attributes under ${path} were not found`);
    return json(200, { kind: 'compute#guestAttributes', selfLink, queryPath: path, queryValue: { items } });
  }

  private delete(project: string, zone: string, name: string): Reply {
    const key = `${project}/${zone}/${name}`;
    const inst = this.instances.get(key);
    if (!inst) return notFound(`The resource 'projects/${project}/zones/${zone}/instances/${name}' was not found`);
    inst.status = 'STOPPING';
    const op = this.newOperation(project, zone, 'delete', `${BASE}${project}/zones/${zone}/instances/${name}`);
    const failWith = this.faults.takeDeleteError();
    this.finish(op, () => {
      if (failWith) {
        inst.status = 'RUNNING';
        op.error = {
          errors: [{ code: failWith, message: `The instance '${name}' could not be deleted (${failWith}).` }],
        };
        op.httpErrorStatusCode = 400;
        return;
      }
      if (this.instances.delete(key)) {
        this.emitInstance({
          type: 'terminated',
          id: name,
          name,
          node: nodeOf(name, inst.labels),
          cluster: inst.labels['citc-cluster'] ?? '',
          zone,
          ip: inst.networkIP,
        });
      }
    });
    return json(200, op);
  }
}

/** A MIME or HTTP header block and what follows it, at the first empty line. */
function cut(s: string): [string, string] {
  const m = /\r?\n\r?\n/.exec(s);
  return m ? [s.slice(0, m.index), s.slice(m.index + m[0].length)] : [s, ''];
}

function nodeOf(name: string, labels: Record<string, string>): string {
  const c = labels['citc-cluster'];
  return c && name.startsWith(`${c}-`) ? name.slice(c.length + 1) : name;
}

function notFound(what: string): Reply {
  return json(404, {
    error: {
      code: 404,
      message: what,
      errors: [{ message: what, domain: 'global', reason: 'notFound' }],
    },
  });
}

function badRequest(message: string): Reply {
  return json(400, {
    error: {
      code: 400,
      message,
      errors: [{ message, domain: 'global', reason: 'invalid' }],
    },
  });
}

/** The subset of the list filter grammar citc uses: `labels.k = "v"` / `name = "x"` terms joined by AND or spaces. */
export function parseFilter(filter: string): ((i: GceFakeInstance) => boolean) | Error {
  const terms: ((i: GceFakeInstance) => boolean)[] = [];
  const re = /\(?\s*(labels\.[a-z0-9_-]+|name|status)\s*(=|!=)\s*"?([^"()\s]*)"?\s*\)?/gy;
  let rest = filter.trim();
  while (rest.length > 0) {
    re.lastIndex = 0;
    const m = re.exec(rest);
    if (!m) return new Error(`Invalid list filter expression: ${filter}`);
    const [, field, opr, value] = m as unknown as [string, string, string, string];
    const get = (i: GceFakeInstance) =>
      field === 'name' ? i.name : field === 'status' ? i.status : i.labels[field.slice(7)];
    terms.push(opr === '=' ? (i) => get(i) === value : (i) => get(i) !== value);
    rest = rest.slice(m[0].length).replace(/^\s*(AND\s+)?/i, '');
  }
  return (i) => terms.every((t) => t(i));
}
