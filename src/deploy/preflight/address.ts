import type { NetworkInterfaceInfo } from 'node:os';
import { type Cidr, contains, isPrivate, parseCidr } from '../../core/config/cidr.js';

/** Pure: is the IPv4 address inside one of the CIDRs? */
export function insideCidrs(address: string, cidrs: readonly string[]): boolean {
  const a = parseCidr(`${address}/32`);
  if (!a) return false;
  return cidrs.some((c) => {
    const p = parseCidr(c);
    return p !== undefined && contains(p, a);
  });
}

/** Loopback, link-local, carrier NAT and the documentation ranges: none is an address the cloud sees. */
const SPECIAL = [
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '192.0.2.0/24',
  '198.51.100.0/24',
  '203.0.113.0/24',
].map((c) => parseCidr(c) as Cidr);

/**
 * Pure: the public IPv4 addresses among this machine's interfaces (`os.networkInterfaces()`). Behind NAT
 * (most laptops and cloud VMs) there is none: the address the cloud sees cannot be known without asking
 * a service on the internet, which citc does not do.
 */
export function publicAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4' || i.internal) continue;
      const c = parseCidr(`${i.address}/32`);
      if (!c || isPrivate(c) || SPECIAL.some((s) => contains(s, c))) continue;
      out.push(i.address);
    }
  }
  return out;
}
