import type { TerraformStack } from 'cdktf';

/** Versions the synthesized stacks were written against (the prebuilt cdktf bindings'). */
export const PROVIDER_PINS = {
  aws: { source: 'hashicorp/aws', version: '6.25.0' },
  google: { source: 'hashicorp/google', version: '6.50.0' },
} as const;

/**
 * cdktf writes the short source "aws"/"google", which Terraform expands to hashicorp/ but OpenTofu
 * resolves against its own registry namespace: the full address works with both.
 */
export function pinProvider(stack: TerraformStack, name: keyof typeof PROVIDER_PINS): void {
  stack.addOverride(`terraform.required_providers.${name}`, PROVIDER_PINS[name]);
}
