import { createHash, randomUUID } from 'node:crypto';
import {
  DescribeInstancesCommand,
  EC2Client,
  type Filter,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  type Tag,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CitcError, ExitCode } from '../../core/errors.js';
import { instanceName, type NodeName, TAG } from '../../core/naming.js';
import type { AwsLaunchSettings } from '../../core/runtime.js';
import { isLoopbackEndpoint } from '../endpoint.js';
import { CloudBudgetError, callWithRetry, DEFAULT_RETRY, type RetryPolicy, sleep } from '../retry.js';
import type {
  CloudAdapter,
  CloudAdapterOptions,
  CloudInstance,
  CloudTarget,
  InstanceState,
  LaunchBatch,
  LaunchResult,
  TerminateResult,
} from '../types.js';
import { ec2Error, isRetryable, launchFailureKind } from './errors.js';
import { compressOrdered, nodeAtLaunchIndex, splitForTag } from './node-tag.js';

/** Tag holding the hostlist of a RunInstances call; instance i (AmiLaunchIndex) is its i-th node. */
export const NODES_TAG = 'citc:nodes';
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];
const TERMINATE_BATCH = 1000;
const DESCRIBE_PAGE = 1000;
/** How many fresh tokens a launch tries when EC2 hands back an old launch's instances or rejects the token. */
const MAX_SALT = 3;

export interface AwsAdapterOptions extends CloudAdapterOptions {
  /**
   * Goes into every ClientToken: a retry within one run reuses its token (no double launch), a later run
   * never does (EC2 keeps a token for at least 24 h after its instances end). Unique per adapter by default.
   */
  invocationId?: string;
}

export class AwsAdapter implements CloudAdapter {
  readonly provider = 'aws' as const;
  private readonly client: EC2Client;
  private readonly cluster: string;
  private readonly policy: RetryPolicy;
  private readonly invocationId: string;

  constructor(
    private readonly runtime: CloudTarget,
    private readonly opts: AwsAdapterOptions = {},
  ) {
    const { provider, name } = runtime.cluster;
    this.cluster = name;
    this.invocationId = opts.invocationId ?? `${process.pid}-${performance.timeOrigin}-${randomUUID()}`;
    this.policy = {
      ...DEFAULT_RETRY,
      ...(opts.budgetMs !== undefined && { budgetMs: opts.budgetMs }),
      ...(opts.deadlineMs !== undefined && { deadlineMs: opts.deadlineMs }),
    };
    this.client = new EC2Client({
      region: provider.region,
      // Retries are ours (bounded by the caller's budget); the SDK's own would hide the time spent.
      maxAttempts: 1,
      ...(provider.endpoint && { endpoint: provider.endpoint }),
      ...(useLoopbackCredentials(provider.endpoint, opts) && {
        credentials: { accessKeyId: 'loopback', secretAccessKey: 'loopback' },
      }),
    });
    // The SDK's logger step filters every reply for its (no-op) logger: for a describe of 1000
    // instances that walk costs tens of ms. Our calls are logged by `call` instead.
    this.client.middlewareStack.remove('loggerMiddleware');
  }

  /** Launch settings: only launches need them (list and terminate work from the cluster alone). */
  private get settings(): AwsLaunchSettings {
    if (!this.runtime.aws) {
      throw new CitcError('CLOUD_CONFIG', 'runtime has no aws launch settings', {
        subject: this.cluster,
        remedy: 'Run `citc deploy` so runtime.json is rendered with the aws outputs.',
        exitCode: ExitCode.usage,
      });
    }
    return this.runtime.aws;
  }

  /** `fn` gets an abort signal that fires when the time left runs out, for `client.send(cmd, { abortSignal })`. */
  private call<T>(operation: string, count: number, fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return callWithRetry(
      operation,
      count,
      (ms) => fn(AbortSignal.timeout(Math.max(1, Math.ceil(ms)))),
      (err) => {
        const info = ec2Error(err);
        return { code: info.code, throttled: isRetryable(info) };
      },
      this.policy,
      this.opts.onApiCall,
    );
  }

  async list(nodes?: NodeName[]): Promise<CloudInstance[]> {
    const all = await this.describe([
      { Name: `tag:${TAG.aws.cluster}`, Values: [this.cluster] },
      { Name: 'instance-state-name', Values: LIVE_STATES },
    ]);
    if (!nodes) return all;
    const wanted = new Set<string>(nodes);
    return all.filter((i) => wanted.has(i.node));
  }

  private async describe(filters: Filter[]): Promise<CloudInstance[]> {
    const out: CloudInstance[] = [];
    // Every instance of one launch carries the same hostlist: expanded once for the whole listing.
    const launches = new Map<string, string[]>();
    let token: string | undefined;
    do {
      const page = await this.call('DescribeInstances', 1, (abortSignal) =>
        this.client.send(
          new DescribeInstancesCommand({
            Filters: filters,
            MaxResults: DESCRIBE_PAGE,
            NextToken: token,
          }),
          { abortSignal },
        ),
      );
      for (const r of page.Reservations ?? [])
        for (const i of r.Instances ?? []) out.push(toCloudInstance(i, this.cluster, launches));
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  async launch(batch: LaunchBatch): Promise<LaunchResult> {
    const result: LaunchResult = { launched: [], failed: [] };
    // One call per run of nodes whose hostlist fits a tag value (one call for contiguous nodes).
    for (const part of splitForTag(batch.nodes)) {
      const r = await this.launchPart(batch, part as NodeName[]);
      result.launched.push(...r.launched);
      result.failed.push(...r.failed);
    }
    return result;
  }

  private async launchPart(batch: LaunchBatch, nodes: NodeName[], salt = 0): Promise<LaunchResult> {
    const token = clientToken(this.cluster, nodes, batch, salt, this.invocationId);
    const input = this.runInput(batch, nodes, token);
    let instances: CloudInstance[];
    try {
      const out = await this.call('RunInstances', nodes.length, (abortSignal) =>
        this.client.send(new RunInstancesCommand(input), { abortSignal }),
      );
      const launches = new Map<string, string[]>();
      instances = (out.Instances ?? []).map((i) => toCloudInstance(i, this.cluster, launches));
    } catch (err) {
      // Out of time: these nodes fail now; any instance a cut-off call did start carries our tags, so
      // the SuspendProgram run that POWER_DOWN_FORCE triggers finds and terminates it.
      if (err instanceof CloudBudgetError) {
        const kind = err.code === 'CLOUD_THROTTLED' ? 'throttled' : 'timeout';
        return {
          launched: [],
          failed: nodes.map((node) => ({ node, code: err.cloudCode, message: err.message, kind })),
        };
      }
      if (err instanceof CitcError) throw err;
      const info = ec2Error(err);
      // The token is taken by a different request (should not happen with a per-run id): take a fresh one.
      if (info.code === 'IdempotentParameterMismatch' && salt < MAX_SALT)
        return this.launchPart(batch, nodes, salt + 1);
      const kind = launchFailureKind(info.code);
      return { launched: [], failed: nodes.map((node) => ({ node, code: info.code, message: info.message, kind })) };
    }
    // A token reused after its instances ended (terminated, or stopped) hands back those instances:
    // launch their nodes afresh under a new token (a different node set or salt), keep the live ones.
    const dead = instances.filter((i) => i.state !== 'pending' && i.state !== 'running');
    const launched = instances.filter((i) => !dead.includes(i));
    const result: LaunchResult = { launched, failed: [] };
    if (dead.length > 0 && salt < MAX_SALT) {
      const again = await this.launchPart(
        batch,
        dead.map((i) => i.node as NodeName),
        salt + 1,
      );
      result.launched.push(...again.launched);
      result.failed.push(...again.failed);
    }
    const seen = new Set([...result.launched.map((i) => i.node), ...result.failed.map((f) => f.node)]);
    for (const node of nodes) {
      if (seen.has(node)) continue;
      result.failed.push({
        node,
        code: 'PartialLaunch',
        message: `EC2 launched ${launched.length} of ${nodes.length} ${batch.instanceType} in ${batch.zone}`,
        kind: 'capacity',
      });
    }
    return result;
  }

  private runInput(batch: LaunchBatch, nodes: NodeName[], token: string): RunInstancesCommandInput {
    const subnet = this.settings.subnetIdsByZone[batch.zone];
    if (!subnet) {
      throw new CitcError('CLOUD_NO_SUBNET', `no subnet is recorded for zone ${batch.zone}`, {
        subject: batch.zone,
        remedy: 'List the zone in provider.zones and run `citc deploy` again.',
        exitCode: ExitCode.usage,
      });
    }
    const tags: Tag[] = [
      ...Object.entries(this.runtime.cluster.tags).map(([Key, Value]) => ({
        Key,
        Value,
      })),
      { Key: TAG.aws.cluster, Value: this.cluster },
      { Key: TAG.aws.role, Value: 'compute' },
      { Key: NODES_TAG, Value: compressOrdered(nodes) },
    ];
    // A per-instance Name would take one CreateTags call per node; single-node calls get it for free.
    if (nodes.length === 1) {
      tags.push(
        { Key: 'Name', Value: instanceName(this.cluster, nodes[0] as string) },
        { Key: TAG.aws.node, Value: nodes[0] as string },
      );
    }
    const input: RunInstancesCommandInput = {
      MinCount: 1,
      MaxCount: nodes.length,
      InstanceType: batch.instanceType as RunInstancesCommandInput['InstanceType'],
      SubnetId: subnet,
      ClientToken: token,
      // A node that powers itself off must not linger as a stopped instance that still holds its name.
      InstanceInitiatedShutdownBehavior: 'terminate',
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    };
    // The image always comes from the runtime file, also over a launch template: `citc image rebuild`
    // then takes effect at the next resume without a redeploy of the template.
    input.ImageId = this.runtime.imageId;
    if (this.settings.launchTemplateId) {
      input.LaunchTemplate = {
        LaunchTemplateId: this.settings.launchTemplateId,
        Version: '$Default',
      };
    } else {
      input.SecurityGroupIds = this.settings.securityGroupIds;
      input.MetadataOptions = {
        HttpTokens: 'required',
        HttpEndpoint: 'enabled',
      };
      input.BlockDeviceMappings = [
        {
          DeviceName: '/dev/xvda',
          Ebs: {
            Encrypted: true,
            VolumeType: 'gp3',
            DeleteOnTermination: true,
          },
        },
      ];
      if (this.settings.instanceProfileArn) input.IamInstanceProfile = { Arn: this.settings.instanceProfileArn };
    }
    if (batch.spot) {
      input.InstanceMarketOptions = {
        MarketType: 'spot',
        SpotOptions: {
          SpotInstanceType: 'one-time',
          InstanceInterruptionBehavior: 'terminate',
        },
      };
    }
    return input;
  }

  async terminate(instances: CloudInstance[]): Promise<TerminateResult> {
    const result: TerminateResult = { terminated: [], failed: [] };
    const ids = [...new Set(instances.map((i) => i.id))];
    for (let i = 0; i < ids.length; i += TERMINATE_BATCH) {
      await this.terminateBatch(ids.slice(i, i + TERMINATE_BATCH), result);
    }
    return result;
  }

  private async terminateBatch(ids: string[], result: TerminateResult): Promise<void> {
    let remaining = ids;
    while (remaining.length > 0) {
      try {
        const out = await this.call('TerminateInstances', remaining.length, (abortSignal) =>
          this.client.send(new TerminateInstancesCommand({ InstanceIds: remaining }), { abortSignal }),
        );
        const done = new Set((out.TerminatingInstances ?? []).map((t) => t.InstanceId));
        for (const id of remaining) {
          if (done.has(id)) result.terminated.push(id);
          else
            result.failed.push({
              id,
              code: 'NotReported',
              message: 'TerminateInstances did not report this instance',
            });
        }
        return;
      } catch (err) {
        if (err instanceof CloudBudgetError) {
          for (const id of remaining) result.failed.push({ id, code: err.cloudCode, message: err.message });
          return;
        }
        if (err instanceof CitcError) throw err;
        const info = ec2Error(err);
        // EC2 rejects the whole call when any id is unknown and names them: they are gone, retry the rest.
        const gone =
          info.code === 'InvalidInstanceID.NotFound'
            ? new Set(info.message.match(/i-[0-9a-zA-Z]+/g) ?? [])
            : new Set<string>();
        const stillThere = remaining.filter((id) => !gone.has(id));
        if (gone.size === 0 || stillThere.length === remaining.length) {
          for (const id of remaining) result.failed.push({ id, code: info.code, message: info.message });
          return;
        }
        for (const id of remaining) if (gone.has(id)) result.terminated.push(id);
        remaining = stillThere;
      }
    }
  }

  async waitGone(instances: CloudInstance[], deadlineMs: number): Promise<CloudInstance[]> {
    let pending = instances;
    for (;;) {
      if (pending.length === 0) return [];
      const live = new Set<string>();
      try {
        for (let i = 0; i < pending.length; i += 200) {
          const ids = pending.slice(i, i + 200).map((p) => p.id);
          for (const inst of await this.describe([{ Name: 'instance-id', Values: ids }])) {
            if (inst.state !== 'terminated') live.add(inst.id);
          }
        }
      } catch (err) {
        // Out of time (or throttled to it): what is not confirmed gone is reported as still there.
        if (err instanceof CloudBudgetError) return pending;
        throw err;
      }
      pending = pending.filter((p) => live.has(p.id));
      if (pending.length === 0 || Date.now() >= deadlineMs) return pending;
      await sleep(Math.min(this.opts.pollMs ?? 2000, Math.max(0, deadlineMs - Date.now())));
    }
  }
}

/** The fakes and private test endpoints on loopback take no signature; production uses the default chain. */
function useLoopbackCredentials(endpoint: string | undefined, opts: CloudAdapterOptions): boolean {
  if (opts.credentials) return opts.credentials === 'loopback';
  return isLoopbackEndpoint(endpoint);
}

/**
 * Same (cluster, nodes, type, zone) within one run → same token, so a retried call cannot launch twice;
 * `invocationId` keeps a later run (maybe with another image) off this run's tokens. `salt` moves on when
 * EC2 hands back a finished earlier launch of the same nodes. At most 64 ASCII characters.
 */
export function clientToken(
  cluster: string,
  nodes: readonly string[],
  batch: Pick<LaunchBatch, 'instanceType' | 'zone'>,
  salt = 0,
  invocationId = '',
): string {
  const h = createHash('sha256')
    .update(JSON.stringify([cluster, nodes, batch.instanceType, batch.zone, salt, invocationId]))
    .digest('hex');
  return `citc-${h.slice(0, 48)}`;
}

function mapState(name: string | undefined): InstanceState {
  switch (name) {
    case 'pending':
    case 'running':
      return name;
    case 'stopping':
    case 'shutting-down':
      return 'stopping';
    case 'terminated':
      return 'terminated';
    default:
      return 'other';
  }
}

/** `launches`: the expanded `citc:nodes` values seen so far in this listing (see nodeAtLaunchIndex). */
function toCloudInstance(i: Instance, cluster: string, launches: Map<string, string[]>): CloudInstance {
  const tags = new Map((i.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  let node = tags.get(TAG.aws.node) ?? '';
  const list = tags.get(NODES_TAG);
  if (!node && list !== undefined && i.AmiLaunchIndex !== undefined)
    node = nodeAtLaunchIndex(list, i.AmiLaunchIndex, launches);
  const c = tags.get(TAG.aws.cluster) ?? cluster;
  const out: CloudInstance = {
    id: i.InstanceId ?? '',
    name: node ? instanceName(c, node) : (tags.get('Name') ?? i.InstanceId ?? ''),
    node,
    cluster: c,
    zone: i.Placement?.AvailabilityZone ?? '',
    instanceType: i.InstanceType ?? '',
    state: mapState(i.State?.Name),
  };
  if (i.PrivateIpAddress) out.privateIp = i.PrivateIpAddress;
  if (i.LaunchTime) out.launchedAt = i.LaunchTime;
  return out;
}
