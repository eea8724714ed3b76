import { describe, expect, it } from 'vitest';
import { callWithRetry } from '../../src/cloud/retry.js';
import type { ApiCall } from '../../src/cloud/types.js';
import { CitcError } from '../../src/core/errors.js';

const classify = (err: unknown) => ({ code: (err as Error).message, throttled: (err as Error).message === 'Throttling' });

describe('callWithRetry', () => {
  it('retries throttled attempts, logs each, and returns the first success', async () => {
    const log: ApiCall[] = [];
    let n = 0;
    const out = await callWithRetry(
      'Op',
      7,
      async () => {
        if (++n < 4) throw new Error('Throttling');
        return 'ok';
      },
      classify,
      { budgetMs: 5000, baseMs: 5, capMs: 20 },
      (c) => log.push(c),
    );
    expect(out).toBe('ok');
    expect(log.map((c) => c.errorCode ?? 'ok')).toEqual(['Throttling', 'Throttling', 'Throttling', 'ok']);
    expect(log.every((c) => c.operation === 'Op' && c.count === 7)).toBe(true);
  });

  it('does not retry other errors', async () => {
    let n = 0;
    const err = await callWithRetry(
      'Op',
      1,
      async () => {
        n++;
        throw new Error('InsufficientInstanceCapacity');
      },
      classify,
      { budgetMs: 5000, baseMs: 5, capMs: 20 },
      undefined,
    ).catch((e) => e);
    expect((err as Error).message).toBe('InsufficientInstanceCapacity');
    expect(n).toBe(1);
  });

  it('gives up with CLOUD_THROTTLED once the budget would be exceeded', async () => {
    const t0 = Date.now();
    const err = await callWithRetry(
      'Op',
      1,
      async () => {
        throw new Error('Throttling');
      },
      classify,
      { budgetMs: 200, baseMs: 50, capMs: 100 },
      undefined,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(CitcError);
    expect((err as CitcError).code).toBe('CLOUD_THROTTLED');
    expect((err as CitcError).subject).toBe('Op');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
