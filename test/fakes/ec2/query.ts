/** Reads the EC2 Query protocol's flattened lists: `Filter.1.Name`, `Filter.1.Value.2`, `InstanceId.3`. */
export type Params = Map<string, string>;

export function parseForm(body: string): Params {
  return new Map(new URLSearchParams(body).entries());
}

/** Values of `prefix.1`, `prefix.2`, ... in index order. */
export function list(p: Params, prefix: string): string[] {
  const out: [number, string][] = [];
  for (const [k, v] of p) {
    const m = new RegExp(`^${escapeRe(prefix)}\\.(\\d+)$`).exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Sub-maps of `prefix.N.*` in index order, keys relative to the member: `Name`, `Value.1`. */
export function members(p: Params, prefix: string): Params[] {
  const by = new Map<number, Params>();
  for (const [k, v] of p) {
    const m = new RegExp(`^${escapeRe(prefix)}\\.(\\d+)\\.(.+)$`).exec(k);
    if (!m) continue;
    const i = Number(m[1]);
    if (!by.has(i)) by.set(i, new Map());
    by.get(i)?.set(m[2] as string, v);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
