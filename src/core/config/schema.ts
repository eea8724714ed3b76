import type { ProviderKind } from './types.js';

/**
 * A small declarative schema of citc.yaml. It drives validation, defaults, the coercion of environment
 * variables and `--set` flags, and the field reference in the README, so each fact is written once.
 */
export interface DefaultContext {
  provider: ProviderKind | undefined;
}
type Default<T> = T | ((ctx: DefaultContext) => T | undefined);

interface Base<T> {
  doc: string;
  /** A value filled in when the field is absent; a required field has none. */
  default?: Default<T>;
  required?: boolean;
}
export interface StringField extends Base<string> {
  type: 'string';
  pattern?: RegExp;
  /** How `pattern` reads in a message ("a DNS-safe name: ..."). */
  patternDoc?: string;
  oneOf?: readonly string[];
}
export interface IntegerField extends Base<number> {
  type: 'integer';
  min?: number;
  max?: number;
}
export interface BooleanField extends Base<boolean> {
  type: 'boolean';
}
export interface ListField extends Base<unknown[]> {
  type: 'list';
  items: Field;
  minItems?: number;
}
export interface ObjectField extends Base<Record<string, unknown>> {
  type: 'object';
  fields: Record<string, Field>;
}
export interface MapField extends Base<Record<string, unknown>> {
  type: 'map';
  values: StringField;
}
export type Field = StringField | IntegerField | BooleanField | ListField | ObjectField | MapField;

// Name lengths are chosen so that the longest instance name, `<cluster:24>-<partition:15>-<shape:15>-<10000>`,
// is 62 characters: within the 63 that GCE instance names and DNS labels allow.
const SHORT = /^[a-z][a-z0-9]{0,14}$/;
const SHORT_DOC = 'a short name: a lowercase letter, then up to 14 lowercase letters or digits (no "-")';

const gpus: ObjectField = {
  type: 'object',
  doc: 'GPUs per node; Slurm gets `Gres=gpu[:type]:count`.',
  fields: {
    count: { type: 'integer', min: 1, max: 16, required: true, doc: 'GPUs per node.' },
    type: {
      type: 'string',
      pattern: /^[a-z0-9][a-z0-9_-]*$/,
      patternDoc: 'a Slurm gres type such as a100 or t4',
      doc: 'Slurm gres type, e.g. `a100`, `t4`.',
    },
  },
};

const shape: ObjectField = {
  type: 'object',
  doc: 'A node shape: one kind of compute node.',
  fields: {
    name: { type: 'string', required: true, pattern: SHORT, patternDoc: SHORT_DOC, doc: 'Part of every node name.' },
    instanceTypes: {
      type: 'list',
      required: true,
      minItems: 1,
      items: { type: 'string', doc: 'An instance/machine type.' },
      doc: 'Instance (aws) or machine (gcp) types in order of preference; resume fails over along it.',
    },
    cpus: { type: 'integer', required: true, min: 1, max: 1024, doc: 'CPUs Slurm schedules per node.' },
    memoryMb: {
      type: 'integer',
      required: true,
      min: 1,
      max: 32 * 1024 * 1024,
      doc: 'Memory Slurm schedules per node in MB (RealMemory): leave room for the OS.',
    },
    gpus,
    spot: { type: 'boolean', default: false, doc: 'Spot (aws) / Spot VM (gcp) instead of on-demand.' },
    maxNodes: {
      type: 'integer',
      required: true,
      min: 1,
      max: 10_000,
      doc: 'Most nodes of this shape at once; nodes are named `<partition>-<shape>-1..maxNodes`.',
    },
    features: {
      type: 'list',
      default: [],
      items: { type: 'string', pattern: /^[A-Za-z0-9_.]+$/, patternDoc: 'a word (letters, digits, _ .)', doc: '' },
      doc: 'Slurm node features, for `--constraint`.',
    },
  },
};

const partition: ObjectField = {
  type: 'object',
  doc: 'A Slurm partition.',
  fields: {
    name: { type: 'string', required: true, pattern: SHORT, patternDoc: SHORT_DOC, doc: 'Partition name.' },
    default: { type: 'boolean', default: false, doc: 'The default partition (the first one when none is).' },
    maxTimeMinutes: { type: 'integer', min: 1, max: 525_600, doc: 'Slurm MaxTime in minutes; absent: UNLIMITED.' },
    shapes: { type: 'list', required: true, minItems: 1, items: shape, doc: 'The node shapes of the partition.' },
  },
};

export const clusterSchema: ObjectField = {
  type: 'object',
  doc: 'A citc cluster.',
  fields: {
    name: {
      type: 'string',
      required: true,
      pattern: /^[a-z](?:[a-z0-9-]{0,22}[a-z0-9])?$/,
      patternDoc: 'a DNS-safe name: lowercase letters, digits and "-", starting with a letter, at most 24',
      doc: 'Cluster name; prefixes every cloud resource and instance name.',
    },
    provider: {
      type: 'object',
      required: true,
      doc: 'Where the cluster runs.',
      fields: {
        kind: { type: 'string', required: true, oneOf: ['aws', 'gcp'], doc: '`aws` or `gcp`.' },
        region: { type: 'string', required: true, doc: 'Region, e.g. `us-east-1`, `europe-west4`.' },
        zones: {
          type: 'list',
          required: true,
          minItems: 1,
          items: { type: 'string', doc: 'A zone of the region.' },
          doc: 'Zones in the region, in order of preference; resume fails over along them.',
        },
        project: { type: 'string', doc: 'gcp: the project id (required for gcp).' },
        endpoint: {
          type: 'string',
          pattern: /^https?:\/\/[^\s/]+(\/\S*)?$/,
          patternDoc: 'an http(s) URL',
          doc: 'API endpoint for a private/VPC endpoint; the hooks and destroy send every cloud call there.',
        },
      },
    },
    network: {
      type: 'object',
      required: true,
      doc: 'The cluster network.',
      fields: {
        cidr: { type: 'string', default: '10.0.0.0/16', doc: 'Private address range of the cluster network.' },
        adminCidrs: {
          type: 'list',
          required: true,
          minItems: 1,
          items: { type: 'string', doc: 'A CIDR.' },
          doc: 'Addresses allowed to SSH to the login node. `0.0.0.0/0` only when written out.',
        },
      },
    },
    management: {
      type: 'object',
      default: {},
      doc: 'The management/login node (runs slurmctld and the power-save hooks).',
      fields: {
        machineType: {
          type: 'string',
          default: ({ provider }) => (provider === 'gcp' ? 'e2-standard-2' : 't3.medium'),
          doc: 'Machine type; default `t3.medium` (aws) / `e2-standard-2` (gcp).',
        },
        diskGb: { type: 'integer', default: 50, min: 20, max: 16_384, doc: 'Boot disk size in GB.' },
      },
    },
    storage: {
      type: 'object',
      default: {},
      doc: 'Shared storage mounted on every node.',
      fields: {
        kind: {
          type: 'string',
          default: 'nfs',
          oneOf: ['nfs', 'efs', 'filestore'],
          doc: '`nfs` (a disk on the management node), `efs` (aws) or `filestore` (gcp).',
        },
        sizeGb: {
          type: 'integer',
          default: 100,
          min: 10,
          max: 102_400,
          doc: 'Size of the shared disk in GB (nfs; filestore needs ≥ 1024).',
        },
        mounts: {
          type: 'list',
          default: ['/home', '/shared'],
          minItems: 1,
          items: {
            type: 'string',
            pattern: /^\/[A-Za-z0-9._/-]*$/,
            patternDoc: 'an absolute path',
            doc: 'A mount point.',
          },
          doc: 'Directories shared with every node.',
        },
      },
    },
    image: {
      type: 'object',
      default: {},
      doc: 'The compute image.',
      fields: {
        os: {
          type: 'string',
          default: 'rocky9',
          oneOf: ['rocky9', 'debian12', 'ubuntu2204'],
          doc: 'Base OS of the management node and of the compute image.',
        },
        id: {
          type: 'string',
          doc: 'Pin a compute image (`ami-...` or a gcp image); normally recorded by `citc image rebuild`.',
        },
      },
    },
    partitions: { type: 'list', required: true, minItems: 1, items: partition, doc: 'Slurm partitions.' },
    slurm: {
      type: 'object',
      default: {},
      doc: 'Slurm power saving. Cloud defaults: nodes sleep after 5 idle minutes.',
      fields: {
        suspendTime: {
          type: 'integer',
          default: 300,
          min: 10,
          max: 604_800,
          doc: 'Seconds a node idles before it is powered down (SuspendTime).',
        },
        resumeTimeout: {
          type: 'integer',
          default: 600,
          min: 30,
          max: 7_200,
          doc: 'Seconds from power-up to registration before Slurm marks the node down (ResumeTimeout).',
        },
        suspendTimeout: {
          type: 'integer',
          default: 120,
          min: 5,
          max: 3_600,
          doc: 'Seconds a power-down may take before the node can be resumed again (SuspendTimeout).',
        },
        resumeRate: {
          type: 'integer',
          default: 0,
          min: 0,
          max: 100_000,
          doc: 'Nodes per minute Slurm may power up; 0 is unlimited (ResumeRate).',
        },
        suspendRate: {
          type: 'integer',
          default: 0,
          min: 0,
          max: 100_000,
          doc: 'Nodes per minute Slurm may power down; 0 is unlimited (SuspendRate).',
        },
        hookLogFormat: {
          type: 'string',
          default: 'text',
          oneOf: ['text', 'json'],
          doc: "Lines of the hooks' log (/var/log/citc/hooks.log): `text` for people, `json` for log shippers.",
        },
      },
    },
    reconcile: {
      type: 'object',
      default: {},
      doc: 'The reconcile pass on the management node: it compares the cloud with Slurm and repairs what differs.',
      fields: {
        intervalSeconds: {
          type: 'integer',
          default: 30,
          min: 5,
          max: 3_600,
          doc: 'Seconds between passes (a systemd timer; one pass at a time).',
        },
        orphanGraceSeconds: {
          type: 'integer',
          default: 90,
          min: 30,
          max: 3_600,
          doc: 'Age below which an instance no node wants is left alone: its launch may still be in flight.',
        },
        capacityDenySeconds: {
          type: 'integer',
          default: 600,
          min: 0,
          max: 86_400,
          doc: 'Seconds an (instance type, zone) is skipped after an insufficient-capacity error; 0 never skips.',
        },
      },
    },
    users: {
      type: 'list',
      default: [],
      doc: 'Login users created on every node, with their SSH keys.',
      items: {
        type: 'object',
        doc: 'A user.',
        fields: {
          name: {
            type: 'string',
            required: true,
            pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
            patternDoc: 'a POSIX user name',
            doc: 'User name.',
          },
          sshKeys: {
            type: 'list',
            default: [],
            items: {
              type: 'string',
              pattern: /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/,
              patternDoc: 'an OpenSSH public key line',
              doc: 'A public key.',
            },
            doc: 'OpenSSH public keys.',
          },
        },
      },
    },
    tags: {
      type: 'map',
      default: {},
      values: { type: 'string', doc: 'Tag value.' },
      doc: 'Tags (aws) or labels (gcp) put on every resource, besides citc’s own.',
    },
  },
};

export function defaultOf<T>(field: Base<T>, ctx: DefaultContext): T | undefined {
  const d = field.default;
  return typeof d === 'function' ? (d as (c: DefaultContext) => T | undefined)(ctx) : d;
}

/** The field at a path of names (list indexes skipped), or undefined. */
export function fieldAt(path: readonly (string | number)[]): Field | undefined {
  let field: Field | undefined = clusterSchema;
  for (const part of path) {
    if (!field) return undefined;
    if (typeof part === 'number') {
      field = field.type === 'list' ? field.items : undefined;
    } else if (field.type === 'object') {
      field = field.fields[part];
    } else if (field.type === 'map') {
      field = field.values;
    } else if (field.type === 'list' && /^\d+$/.test(part)) {
      field = field.items;
    } else {
      return undefined;
    }
  }
  return field;
}
