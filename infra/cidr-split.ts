import { formatCidr, parseCidr } from '../src/core/config/cidr.js';
import { CitcError, ExitCode } from '../src/core/errors.js';

/** Pure: the `index`-th block of `extraBits` more prefix bits inside `cidr` (Terraform's cidrsubnet). */
export function cidrSubnet(cidr: string, extraBits: number, index: number): string {
  const parsed = parseCidr(cidr);
  if (!parsed || parsed.prefix + extraBits > 29 || index >= 2 ** extraBits) {
    throw new CitcError(
      'INFRA_CIDR',
      `cannot carve block ${index} of /${(parsed?.prefix ?? 0) + extraBits} out of ${cidr}`,
      {
        subject: 'network.cidr',
        remedy: 'Use a larger network.cidr (a /16 to /22 leaves room for one subnet per zone).',
        exitCode: ExitCode.usage,
      },
    );
  }
  const prefix = parsed.prefix + extraBits;
  return formatCidr({ address: parsed.address + index * 2 ** (32 - prefix), prefix });
}

/** Bits to add so that `count` equal subnets fit, with room for one more zone later (at least 4 blocks). */
export function bitsFor(count: number): number {
  return Math.max(2, Math.ceil(Math.log2(count + 1)));
}

/** Pure: the `n`-th address of `cidr` (Terraform's cidrhost), e.g. cidrHost('10.0.0.0/24', 2) = 10.0.0.2. */
export function cidrHost(cidr: string, n: number): string {
  const parsed = parseCidr(cidr);
  if (!parsed) throw new Error(`not a CIDR: ${cidr}`);
  return formatCidr({ address: parsed.address + n, prefix: 32 }).replace(/\/32$/, '');
}

/**
 * Pure: `cidr` without one of its addresses, as the fewest CIDR blocks (one per extra prefix bit): the
 * sibling, at each level, of the half that holds `address`.
 */
export function cidrWithout(cidr: string, address: string): string[] {
  const net = parseCidr(cidr);
  const host = parseCidr(`${address}/32`);
  if (!net || !host) throw new Error(`not a CIDR/address: ${cidr} ${address}`);
  const out: string[] = [];
  for (let prefix = net.prefix + 1; prefix <= 32; prefix++) {
    const size = 2 ** (32 - prefix);
    const mine = Math.floor(host.address / size) * size;
    const sibling = (mine / size) % 2 === 0 ? mine + size : mine - size;
    out.push(formatCidr({ address: sibling, prefix }));
  }
  return out;
}
