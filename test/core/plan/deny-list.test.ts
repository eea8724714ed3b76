import { describe, expect, it } from 'vitest';
import { activeDenies, addDenies, checkDenyList, deniedAt, EMPTY_DENY_LIST } from '../../../src/core/plan/deny-list.js';

const A = { instanceType: 'c5.large', zone: 'us-east-1a' };
const B = { instanceType: 'c5a.large', zone: 'us-east-1a' };

describe('deny-list', () => {
  it('denies a pair for the set time, then lets it be tried again', () => {
    const list = addDenies(EMPTY_DENY_LIST, [{ option: A, code: 'InsufficientInstanceCapacity' }], 1000, 600_000);
    expect(deniedAt(list, 1000)(A)).toBe(true);
    expect(deniedAt(list, 600_999)(A)).toBe(true);
    expect(deniedAt(list, 601_000)(A)).toBe(false);
    expect(deniedAt(list, 1000)(B)).toBe(false);
  });
  it('extends a pair that fails again and drops entries that ran out', () => {
    let list = addDenies(EMPTY_DENY_LIST, [{ option: A, code: 'X' }], 0, 100);
    list = addDenies(list, [{ option: B, code: 'Y' }], 50, 100);
    list = addDenies(list, [{ option: B, code: 'Y' }], 120, 100);
    expect(list.entries).toEqual([{ ...B, until: 220, code: 'Y', since: 120 }]);
    expect(activeDenies(list, 219)).toHaveLength(1);
    expect(activeDenies(list, 220)).toHaveLength(0);
  });
  it.each([
    [null, 'not a JSON object'],
    [{ version: 2, entries: [] }, 'version is 2, expected 1'],
    [{ version: 1 }, 'entries is not a list'],
    [{ version: 1, entries: [{ instanceType: 'a' }] }, 'entries[0] is malformed'],
    [{ version: 1, entries: [{ ...A, until: 1, code: 'c', since: 0 }] }, undefined],
  ])('checks a parsed file: %j', (raw, problem) => {
    expect(checkDenyList(raw)).toBe(problem);
  });
});
