import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { protobuf, pruneComputeProtos } from '../../scripts/prune-gce-protos.mjs';

type ProtoJson = { nested: Record<string, unknown> };
const full = createRequire(import.meta.url)('@google-cloud/compute/build/protos/protos.json') as ProtoJson;

/** The hooks' bundle ships Compute's protos cut to the two services the GCE adapter builds clients for. */
describe('pruneComputeProtos', () => {
  const pruned = pruneComputeProtos(full);
  const root = protobuf.Root.fromJSON(pruned as protobuf.INamespace);

  it('keeps every method, request and response of Instances and ZoneOperations, resolvable', () => {
    for (const name of ['Instances', 'ZoneOperations']) {
      const svc = root.lookupService(`google.cloud.compute.v1.${name}`);
      for (const m of svc.methodsArray) {
        m.resolve();
        expect(m.resolvedRequestType, `${name}.${m.name}`).toBeTruthy();
        expect(m.resolvedResponseType, `${name}.${m.name}`).toBeTruthy();
      }
    }
    const bulk = root.lookupType('google.cloud.compute.v1.BulkInsertInstanceResource');
    expect(bulk.fields.perInstanceProperties?.resolve().resolvedType?.name).toBe(
      'BulkInsertInstanceResourcePerInstanceProperties',
    );
    expect(root.lookupType('google.cloud.compute.v1.Scheduling').fields.provisioningModel).toBeDefined();
  });

  it('drops the rest: other services, their types and the other API versions', () => {
    expect(() => root.lookupService('google.cloud.compute.v1.BackendBuckets')).toThrow();
    expect(root.lookup('google.cloud.compute.v1.BackendBucket')).toBeNull();
    expect(root.lookup('google.cloud.compute.v1beta')).toBeNull();
    expect(JSON.stringify(pruned).length).toBeLessThan(JSON.stringify(full).length / 20);
  });

  it('fails loudly when a service is missing, so an SDK change breaks the build and not the hook', () => {
    expect(() => pruneComputeProtos(full, ['Instances', 'NoSuchService'])).toThrow(/NoSuchService/);
  });
});
