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
