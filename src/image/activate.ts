import type { InventoryOptions } from '../ansible/inventory.js';
import { runManagementPlaybook } from '../ansible/run-playbook.js';
import type { ClusterConfig } from '../core/config/types.js';
import { CitcError } from '../core/errors.js';
import { readState, statePath } from '../state/file.js';

export type ActivateOutcome = { installed: true; ms: number } | { installed: false; reason: string };

/**
 * Pushes runtime.json naming the state's current image to the management node (the `hooks` role
 * only), so the next resume launches it. A cluster that is not deployed yet has nothing to update.
 */
export async function activateImage(opts: {
  workDir: string;
  config: ClusterConfig;
  onProgress?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  inventory?: InventoryOptions;
}): Promise<ActivateOutcome> {
  const state = await readState(statePath(opts.workDir));
  if (!state?.deploy?.appliedAt)
    return { installed: false, reason: 'the cluster is not deployed yet: `citc deploy` installs it' };
  try {
    const r = await runManagementPlaybook({ ...opts, state, tags: ['hooks'] });
    return { installed: true, ms: r.ms };
  } catch (err) {
    if (!(err instanceof CitcError)) throw err;
    throw new CitcError(
      err.code,
      `the image is recorded, but installing it on the management node failed: ${err.message}`,
      {
        subject: err.subject ?? opts.config.name,
        remedy: 'Run `citc deploy` once the management node is reachable; until then resume launches the old image.',
        exitCode: err.exitCode,
        cause: err,
      },
    );
  }
}
