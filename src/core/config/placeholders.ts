import { contains, networkOf, parseCidr } from './cidr.js';
import type { FieldPath } from './problem.js';
import type { LooseConfig } from './rules.js';

/** A value left from the shipped example that cannot be right in a real cluster. */
export interface Placeholder {
  path: FieldPath;
  value: string;
  /** What to put there instead. */
  remedy: string;
}

/** RFC 5737 documentation ranges: the examples' adminCidrs; no real address is in them. */
const DOCUMENTATION = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24'].flatMap((c) => parseCidr(c) ?? []);
const EXAMPLE_KEY = 'ExampleKeyReplaceMe';
const EXAMPLE_PROJECT = 'my-research-project';

/**
 * The example's placeholders still in a cluster: documentation address ranges in `network.adminCidrs`,
 * the example SSH key, the example gcp project. `citc validate` warns about them; deploy refuses them.
 */
export function findPlaceholders(config: LooseConfig): Placeholder[] {
  const out: Placeholder[] = [];
  if (config.provider?.project === EXAMPLE_PROJECT) {
    out.push({
      path: ['provider', 'project'],
      value: EXAMPLE_PROJECT,
      remedy: 'put your project id there (`gcloud config get-value project`)',
    });
  }
  config.network?.adminCidrs?.forEach((text, i) => {
    const cidr = text === undefined ? undefined : parseCidr(text);
    // Only a range inside one: 0.0.0.0/0 holds them all but is no placeholder (rules.ts warns about it).
    if (text && cidr && networkOf(cidr).address === cidr.address && DOCUMENTATION.some((d) => contains(d, cidr))) {
      out.push({
        path: ['network', 'adminCidrs', i],
        value: text,
        remedy: 'put your own address range there (e.g. `curl -s https://checkip.amazonaws.com` then /32)',
      });
    }
  });
  config.users?.forEach((user, ui) => {
    user?.sshKeys?.forEach((key, ki) => {
      if (key?.includes(EXAMPLE_KEY)) {
        out.push({
          path: ['users', ui, 'sshKeys', ki],
          value: key,
          remedy: `put ${user.name ?? 'the user'}'s own public key there (e.g. ~/.ssh/id_ed25519.pub)`,
        });
      }
    });
  });
  return out;
}
