/** IPv4 CIDR parsing for the network checks: pure, no dependencies. */
export interface Cidr {
  address: number;
  prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

export function formatCidr({ address, prefix }: Cidr): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

/** The network address of a CIDR: 10.0.3.7/16 → 10.0.0.0/16. */
export function networkOf({ address, prefix }: Cidr): Cidr {
  const size = 2 ** (32 - prefix);
  return { address: address - (address % size), prefix };
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c) as Cidr);

export function contains(outer: Cidr, inner: Cidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  return networkOf({ address: inner.address, prefix: outer.prefix }).address === networkOf(outer).address;
}

export function isPrivate(c: Cidr): boolean {
  return PRIVATE.some((p) => contains(p, c));
}
