import { describe, expect, it } from 'vitest';
import { formatPath } from '../../src/core/config/problem.js';
import { validateClusterConfig } from '../../src/core/config/validate.js';
import { DERIVED_UID_MIN, derivedUid, userUid } from '../../src/core/users.js';

function withUsers(users: unknown[]): Record<string, unknown> {
  return {
    name: 'demo',
    provider: { kind: 'aws', region: 'us-east-1', zones: ['us-east-1a'] },
    network: { adminCidrs: ['192.0.2.0/24'] },
    partitions: [
      { name: 'compute', shapes: [{ name: 'c5', instanceTypes: ['c5.large'], cpus: 2, memoryMb: 3000, maxNodes: 4 }] },
    ],
    users,
  };
}

const errorsOf = (raw: unknown) =>
  validateClusterConfig(raw)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => `${formatPath(p.path)}: ${p.expected} / ${p.found}`);

describe('user ids', () => {
  // Fixed values: a change of the derivation would hand every user's files to another uid.
  it.each([
    ['alice', 17479],
    ['bob', 24244],
    ['user697', 35016],
    ['user1100', 35016],
  ])('%s is uid %i on every machine', (name, uid) => {
    expect(derivedUid(name)).toBe(uid);
  });

  it('takes the uid of the file first, and never the position in users[]', () => {
    expect(userUid({ name: 'alice', uid: 4242 })).toBe(4242);
    expect(userUid({ name: 'alice' })).toBe(17479);
    for (const name of ['a', 'root', 'z'.repeat(32)]) {
      expect(derivedUid(name)).toBeGreaterThanOrEqual(DERIVED_UID_MIN);
      expect(derivedUid(name)).toBeLessThan(60_000);
    }
    const before = validateClusterConfig(withUsers([{ name: 'alice' }, { name: 'bob' }])).config;
    const after = validateClusterConfig(withUsers([{ name: 'bob' }])).config;
    expect(userUid(before?.users[1] as { name: string })).toBe(userUid(after?.users[0] as { name: string }));
  });

  it('fills admin: false and keeps the uid absent unless given', () => {
    const { config, problems } = validateClusterConfig(withUsers([{ name: 'alice', sshKeys: [] }]));
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(config?.users).toEqual([{ name: 'alice', admin: false, sshKeys: [] }]);
  });

  it.each([
    [
      'two derived uids that collide',
      [{ name: 'user697' }, { name: 'user1100' }],
      ['users[1].name: a uid no other user has (users[0] "user697" has 35016) / uid 35016, derived from "user1100"'],
    ],
    [
      'a fixed uid that another user derives',
      [{ name: 'alice' }, { name: 'bob', uid: 17479 }],
      ['users[1].uid: a uid no other user has (users[0] "alice" has 17479) / 17479'],
    ],
    [
      'a uid of the image’s own accounts',
      [{ name: 'alice', uid: 1000 }],
      ['users[0].uid: an integer from 2000 to 65533 / 1000'],
    ],
  ])('reports %s', (_what, users, errors) => {
    const found = errorsOf(withUsers(users));
    expect(found).toEqual(errors);
  });
});
