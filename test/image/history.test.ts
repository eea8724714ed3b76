import { describe, expect, it } from 'vitest';
import { CitcError } from '../../src/core/errors.js';
import { type ClusterState, emptyState } from '../../src/core/state.js';
import { IMAGE_HISTORY, recordImage, rollbackImage } from '../../src/image/history.js';

const rec = (id: string) => ({ id, builtAt: `2026-01-01T00:00:${id.padStart(2, '0')}Z` });

describe('image history', () => {
  it('records the first image with no previous ones', () => {
    expect(recordImage(emptyState('c', 'aws'), rec('1')).image).toEqual({ current: rec('1'), previous: [] });
  });

  it('keeps the old current first, at most IMAGE_HISTORY, without duplicates of the new id', () => {
    let s: ClusterState = emptyState('c', 'aws');
    for (let i = 1; i <= IMAGE_HISTORY + 3; i++) s = recordImage(s, rec(String(i)));
    expect(s.image?.current.id).toBe(String(IMAGE_HISTORY + 3));
    expect(s.image?.previous).toHaveLength(IMAGE_HISTORY);
    expect(s.image?.previous[0]?.id).toBe(String(IMAGE_HISTORY + 2));
    const again = recordImage(s, rec('5'));
    expect(again.image?.previous.map((r) => r.id)).not.toContain('5');
  });

  it('rolls back to the newest previous image, and a second roll-back undoes it', () => {
    const s = recordImage(recordImage(recordImage(emptyState('c', 'aws'), rec('1')), rec('2')), rec('3'));
    const once = rollbackImage(s);
    expect(once.image?.current.id).toBe('2');
    expect(once.image?.previous.map((r) => r.id)).toEqual(['3', '1']);
    expect(rollbackImage(once).image).toEqual(s.image);
  });

  it('refuses a roll-back with nothing to go back to', () => {
    expect(() => rollbackImage(emptyState('c', 'aws'))).toThrow(CitcError);
    expect(() => rollbackImage(recordImage(emptyState('c', 'aws'), rec('1')))).toThrow(/no earlier compute image/);
  });
});
