import { CitcError, ExitCode } from '../core/errors.js';
import type { BatchOutcome, LiveInstance, PlannedBatch } from '../core/plan/types.js';

/**
 * What the hooks need from a cloud, in the planner's vocabulary. `fromCloudAdapter` (cloud-bridge.ts)
 * builds it from the real adapter in src/cloud; the hooks never touch an SDK type.
 */
export interface TerminateOutcome {
  terminated: string[];
  failed: { instanceId: string; code: string; message: string }[];
}

export interface HookCloud {
  /** Live (not terminating, not terminated) instances of this cluster for these nodes. */
  list(nodes: readonly string[]): Promise<LiveInstance[]>;
  launch(batch: PlannedBatch): Promise<BatchOutcome>;
  terminate(instanceIds: readonly string[]): Promise<TerminateOutcome>;
  /** Resolves with the ids still present when the deadline passes (empty: all gone). */
  waitGone(instanceIds: readonly string[], deadline: number): Promise<string[]>;
}

/** Wraps whatever the cloud threw while it was being set up or listed into one CitcError. */
export function cloudUnavailable(err: unknown, provider: string): CitcError {
  const code = (err as { code?: string }).code ?? (err as Error)?.name ?? 'Error';
  return new CitcError(
    'CLOUD_UNAVAILABLE',
    `cannot reach the ${provider} API (${code}): ${(err as Error)?.message ?? String(err)}`,
    {
      subject: provider,
      remedy: 'Check provider.endpoint, the credentials of the management node and its network route to the API.',
      exitCode: ExitCode.failure,
      cause: err,
    },
  );
}
