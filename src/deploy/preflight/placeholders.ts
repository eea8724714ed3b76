import { type Cidr, contains, parseCidr } from '../../core/config/cidr.js';
import type { ClusterConfig } from '../../core/config/types.js';

/** A value left from the shipped example that would deploy something nobody can use. */
export interface Placeholder {
  /** Field path as `validate` writes it: network.adminCidrs[0]. */
  path: string;
  value: string;
  why: string;
}

/** RFC 5737's documentation ranges: never a real admin network. */
const DOCUMENTATION = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].map((c) => parseCidr(c) as Cidr);

/** Pure: the example's placeholders still in the file (documentation CIDRs, the example key, the example project). */
export function findPlaceholders(config: ClusterConfig): Placeholder[] {
  const out: Placeholder[] = [];
  config.network.adminCidrs.forEach((cidr, i) => {
    const c = parseCidr(cidr);
    if (c && DOCUMENTATION.some((d) => contains(d, c))) {
      out.push({
        path: `network.adminCidrs[${i}]`,
        value: cidr,
        why: 'a documentation range (RFC 5737): put the address range you connect from',
      });
    }
  });
  config.users.forEach((u, i) => {
    u.sshKeys.forEach((key, k) => {
      if (/ExampleKey|ReplaceMe/i.test(key)) {
        out.push({ path: `users[${i}].sshKeys[${k}]`, value: key, why: "the example's key: put your own public key" });
      }
    });
  });
  if (config.provider.project === 'my-research-project') {
    out.push({
      path: 'provider.project',
      value: config.provider.project,
      why: "the example's project id: put your Google Cloud project id",
    });
  }
  return out;
}
