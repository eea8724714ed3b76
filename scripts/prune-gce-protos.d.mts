import type * as protobufjs from 'protobufjs';

/** The protobufjs the Compute clients load (through google-gax). */
export declare const protobuf: typeof protobufjs;
/** Services of google.cloud.compute.v1 the GCE adapter constructs clients for. */
export declare const HOOK_SERVICES: string[];
/** protos.json of @google-cloud/compute cut down to these services and the types they reach. */
export declare function pruneComputeProtos<T>(json: T, services?: string[]): T;
