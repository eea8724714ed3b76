// Cuts @google-cloud/compute's protos.json (11.6 MB, every Compute API) down to the services the hooks
// call. Each client hashes and parses the whole file when it is built (about 0.7 s); the hooks' bundle
// ships this pruned copy instead. Used by scripts/bundle-hooks.mjs.
import { createRequire } from 'node:module';

// The protobufjs the Compute clients themselves load (via google-gax), not whatever npm hoisted.
const fromCompute = createRequire(createRequire(import.meta.url).resolve('@google-cloud/compute/package.json'));
export const protobuf = createRequire(fromCompute.resolve('google-gax'))('protobufjs');

/** Services of google.cloud.compute.v1 the GCE adapter constructs clients for. */
export const HOOK_SERVICES = ['Instances', 'ZoneOperations'];

/**
 * Keeps the named services of google.cloud.compute.v1 and every message or enum they reach (by field
 * type, map key or nested type); compute's other API versions go; google.api and google.protobuf stay whole. Throws if
 * the result does not resolve, so a change in the SDK's layout fails the build, not the hook.
 */
export function pruneComputeProtos(json, services = HOOK_SERVICES) {
  const v1 = json.nested.google.nested.cloud.nested.compute.nested.v1;
  const keep = new Set();
  const visit = (name) => {
    const top = name.replace(/^\.?google\.cloud\.compute\.v1\./, '').split('.')[0];
    if (!top || keep.has(top) || !(top in v1.nested)) return;
    keep.add(top);
    walk(v1.nested[top]);
  };
  const walk = (node) => {
    for (const m of Object.values(node.methods ?? {})) {
      visit(m.requestType);
      visit(m.responseType);
    }
    for (const f of Object.values(node.fields ?? {})) visit(f.type);
    for (const child of Object.values(node.nested ?? {})) walk(child);
  };
  for (const s of services) {
    if (!v1.nested[s]?.methods) throw new Error(`prune-gce-protos: no service google.cloud.compute.v1.${s}`);
    visit(s);
  }
  const pruned = structuredClone(json);
  const compute = pruned.nested.google.nested.cloud.nested.compute;
  // The file also holds v1beta and v1small (4 MB together); the v1 clients never look them up.
  compute.nested = {
    v1: { ...v1, nested: Object.fromEntries(Object.entries(v1.nested).filter(([k]) => keep.has(k))) },
  };
  protobuf.Root.fromJSON(pruned).resolveAll();
  return pruned;
}
