import { describe, expect, it } from 'vitest';
import { CloudBudgetError, callWithRetry, cloudCodeOf, withTimeout } from '../../src/cloud/retry.js';
import type { ApiCall } from '../../src/cloud/types.js';
import { CitcError } from '../../src/core/errors.js';

const classify = (err: unknown) => ({
  code: (err as Error).message,
  throttled: (err as Error).message === 'Throttling',
});

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

  it('shares one deadline across calls: after it, a call is not even sent', async () => {
    let sent = 0;
    const err = await callWithRetry(
      'Op',
      1,
      async () => {
        sent++;
        return 'ok';
      },
      classify,
      { budgetMs: 60_000, baseMs: 5, capMs: 20, deadlineMs: Date.now() - 1 },
      undefined,
    ).catch((e) => e);
    expect(sent).toBe(0);
    expect(err).toBeInstanceOf(CloudBudgetError);
    expect((err as CloudBudgetError).code).toBe('CLOUD_TIME_BUDGET');
    expect(cloudCodeOf(err)).toBe('HookTimeBudget');
  });

  it('gives each attempt only the time left, and a cut-off after throttling reports the throttle code', async () => {
    const given: number[] = [];
    let n = 0;
    const err = await callWithRetry(
      'Op',
      1,
      (ms) => {
        given.push(ms);
        if (++n === 1) return Promise.reject(new Error('Throttling'));
        return withTimeout(new Promise<never>(() => {}), ms, 'Op');
      },
      classify,
      { budgetMs: 60_000, baseMs: 1, capMs: 2, deadlineMs: Date.now() + 150 },
      undefined,
    ).catch((e) => e);
    expect(given).toHaveLength(2);
    expect(given.every((ms) => ms <= 150)).toBe(true);
    expect((err as CloudBudgetError).code).toBe('CLOUD_THROTTLED');
    expect(cloudCodeOf(err)).toBe('Throttling');
  });

  it('withTimeout rejects with a TimeoutError naming the operation', async () => {
    const err = await withTimeout(new Promise(() => {}), 20, 'instances.list').catch((e) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect((err as Error).message).toContain('instances.list');
  });
});
