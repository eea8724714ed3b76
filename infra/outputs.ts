import { ANSIBLE_OUTPUTS } from '../src/ansible/outputs.js';
import { RUNTIME_OUTPUTS } from '../src/core/runtime.js';
import { PACKER_OUTPUTS } from '../src/image/packer-inputs.js';

/**
 * The Terraform outputs of a cluster stack, named by their readers: the hooks' runtime.json
 * (RUNTIME_OUTPUTS), the Ansible inputs (ANSIBLE_OUTPUTS) and the Packer template (PACKER_OUTPUTS).
 * Deploy records them all in the state file.
 */
export const STACK_OUTPUTS = {
  ...RUNTIME_OUTPUTS,
  ...ANSIBLE_OUTPUTS,
  ...PACKER_OUTPUTS,
  managementInstance: 'management_instance',
  hookServiceAccountEmail: 'hook_service_account_email',
} as const;
