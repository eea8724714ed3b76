import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { ClusterConfig } from "../../../src/core/config/types.js";
import { nodeName } from "../../../src/core/naming.js";

export const CLUSTER_YAML = fileURLToPath(
	new URL("./e2e-cluster.yaml", import.meta.url),
);

/**
 * The test cluster, read with citc's own loader when it is there (src/config/load.ts), so the e2e
 * cluster goes through the same validation and defaults as a user's citc.yaml.
 */
export async function loadE2eCluster(endpoint: string): Promise<ClusterConfig> {
	const text = await readFile(CLUSTER_YAML, "utf8");
	let config: ClusterConfig;
	const loader = await import("../../../src/config/load.js" as string).catch(
		() => undefined,
	);
	if (loader && typeof loader.loadClusterConfig === "function") {
		const loaded = await loader.loadClusterConfig(CLUSTER_YAML);
		config = (loaded?.config ?? loaded) as ClusterConfig;
	} else {
		config = parse(text) as ClusterConfig;
	}
	return { ...config, provider: { ...config.provider, endpoint } };
}

export function allNodes(config: ClusterConfig): string[] {
	return config.partitions.flatMap((p) =>
		p.shapes.flatMap((s) =>
			Array.from({ length: s.maxNodes }, (_, i) =>
				nodeName(p.name, s.name, i + 1),
			),
		),
	);
}
