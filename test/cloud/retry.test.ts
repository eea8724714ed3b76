import { describe, expect, it, vi } from 'vitest';
import { ec2Error, isRetryable as ec2Retryable } from '../../src/cloud/aws/errors.js';
import { gceError, isRetryable as gceRetryable } from '../../src/cloud/gcp/errors.js';
import { launchWindow } from '../../src/cloud/launch-window.js';
import { CloudBudgetError, callWithRetry, cloudCodeOf, networkErrorCode, withTimeout } from '../../src/cloud/retry.js';
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

  it('retries a call that got no reply (a Node network code on the error or its cause) until one succeeds', async () => {
    const log: ApiCall[] = [];
    let n = 0;
    const out = await callWithRetry(
      'Op',
      1,
      async () => {
        n++;
        if (n === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        if (n === 2) throw new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'EAI_AGAIN' }) });
        return 'ok';
      },
      (err) => ({ code: networkErrorCode(err) ?? 'Error', throttled: networkErrorCode(err) !== undefined }),
      { budgetMs: 5000, baseMs: 5, capMs: 20 },
      (c) => log.push(c),
    );
    expect(out).toBe('ok');
    expect(log.map((c) => c.errorCode ?? 'ok')).toEqual(['ECONNRESET', 'EAI_AGAIN', 'ok']);
  });

  it('a connection that keeps failing ends within the budget as CLOUD_UNREACHABLE with the Node code', async () => {
    const t0 = Date.now();
    let n = 0;
    const err = await callWithRetry(
      'DescribeInstances',
      1,
      async () => {
        n++;
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
      },
      (e) => ({ code: networkErrorCode(e) ?? 'Error', throttled: true }),
      { budgetMs: 300, baseMs: 20, capMs: 50 },
      undefined,
    ).catch((e) => e);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(n).toBeGreaterThan(1);
    expect(err).toBeInstanceOf(CloudBudgetError);
    expect((err as CloudBudgetError).code).toBe('CLOUD_UNREACHABLE');
    expect(cloudCodeOf(err)).toBe('ECONNREFUSED');
    expect((err as CloudBudgetError).remedy).toMatch(/network/);
  });

  it("the AWS SDK's TimeoutError for a reset connection is retried, not taken for the time running out", async () => {
    let n = 0;
    const out = await callWithRetry(
      'TerminateInstances',
      1,
      async () => {
        // What @smithy/node-http-handler throws for ECONNRESET/EPIPE/ETIMEDOUT.
        if (++n === 1) throw Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' });
        return 'ok';
      },
      (e) => ({ code: ec2Error(e).code, throttled: ec2Retryable(ec2Error(e)) }),
      { budgetMs: 5000, baseMs: 5, capMs: 20 },
      undefined,
    );
    expect(out).toBe('ok');
    expect(n).toBe(2);
  });

  it('classifies dropped connections and gateway errors as retryable on both clouds, a DNS miss as final', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { name: 'TimeoutError', code: 'ECONNRESET' });
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const gateway = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 502 } });
    expect(ec2Error(reset).code).toBe('ECONNRESET');
    expect(ec2Error(refused).code).toBe('ECONNREFUSED');
    expect(ec2Error(gateway).code).toBe('502');
    for (const e of [reset, refused, gateway]) expect(ec2Retryable(ec2Error(e))).toBe(true);
    // The REST fallback's gaxios error: Node's code, no response.
    const gaxiosReset = Object.assign(new Error('request failed, reason: read ECONNRESET'), { code: 'ECONNRESET' });
    expect(gceError(gaxiosReset).code).toBe('ECONNRESET');
    expect(gceRetryable(gceError(gaxiosReset))).toBe(true);
    for (const status of [502, 504]) {
      const e = Object.assign(new Error('<html>Bad Gateway</html>'), { code: status, response: { status } });
      expect(gceRetryable(gceError(e))).toBe(true);
    }
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND compute.example'), { code: 'ENOTFOUND' });
    expect(gceError(dns).code).toBe('ENOTFOUND');
    expect(gceRetryable(gceError(dns))).toBe(false);
    expect(ec2Retryable(ec2Error(dns))).toBe(false);
  });
});

describe('launch window', () => {
  it('is 20 s (EC2) / 60 s (GCE) with a 10 s tail, at most a quarter / a tenth of a short budget', () => {
    expect(launchWindow('aws', 300_000)).toEqual({ minMs: 20_000, tailMs: 10_000 });
    expect(launchWindow('gcp', 300_000)).toEqual({ minMs: 60_000, tailMs: 10_000 });
    expect(launchWindow('gcp', 5_000)).toEqual({ minMs: 1_250, tailMs: 500 });
  });

  it('a launch call is not sent with less than its minimum left, and is cut off before the tail', async () => {
    const deadlineMs = Date.now() + 2000;
    const policy = { budgetMs: 60_000, baseMs: 5, capMs: 20, deadlineMs };
    // The run's clock starts at its first call: a window of 2000 ms, so 500 ms at least, 200 ms tail.
    await callWithRetry('DescribeInstances', 1, async () => 'ok', classify, policy, undefined);
    const given: number[] = [];
    const sent = await callWithRetry(
      'RunInstances',
      1,
      async (ms) => {
        given.push(ms);
        return 'ok';
      },
      classify,
      policy,
      undefined,
    );
    expect(sent).toBe('ok');
    expect(given[0]).toBeLessThanOrEqual(deadlineMs - 200 - Date.now() + 5);
    await new Promise((r) => setTimeout(r, Math.max(0, deadlineMs - 400 - Date.now())));
    let n = 0;
    const late = await callWithRetry(
      'instances.bulkInsert',
      1,
      async () => {
        n++;
        return 'ok';
      },
      classify,
      policy,
      undefined,
    ).catch((e) => e);
    expect(n).toBe(0);
    expect((late as CloudBudgetError).code).toBe('CLOUD_TIME_BUDGET');
    expect(cloudCodeOf(late)).toBe('HookTimeBudget');
    expect((late as Error).message).toMatch(/less than the 500 ms a launch needs/);
    // Other calls still have the time left (the resume run's clean-up list and terminate).
    expect(await callWithRetry('DescribeInstances', 1, async () => 'ok', classify, policy, undefined)).toBe('ok');
  });

  it('a throttled launch is not retried once less than its minimum is left', async () => {
    const deadlineMs = Date.now() + 1000;
    const policy = { budgetMs: 60_000, baseMs: 400, capMs: 400, deadlineMs };
    const sentAt: number[] = [];
    // Back-offs of exactly 400 ms: attempts at 1000, 600 and (not any more) 200 ms before the deadline.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const err = await callWithRetry(
      'RunInstances',
      1,
      async () => {
        sentAt.push(deadlineMs - Date.now());
        throw new Error('Throttling');
      },
      classify,
      policy,
      undefined,
    )
      .catch((e) => e)
      .finally(() => random.mockRestore());
    expect(sentAt).toHaveLength(2);
    expect((err as CloudBudgetError).code).toBe('CLOUD_THROTTLED');
    expect(cloudCodeOf(err)).toBe('Throttling');
    // 1000 ms window: nothing sent with less than 250 ms left.
    expect(sentAt.every((left) => left >= 250)).toBe(true);
  });
});
