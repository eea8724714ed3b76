import { createInterface } from 'node:readline/promises';
import { Flags } from '@oclif/core';
import { type DeployResult, deployCluster } from '../../deploy/deploy.js';
import { type DeployPlan, formatPlan } from '../../deploy/plan.js';
import { CHECKS, type CheckName, formatPreflight } from '../../deploy/preflight/preflight.js';
import { StepProgress } from '../../deploy/steps.js';
import { formatSummary } from '../../deploy/summary.js';
import { clusterWorkDir } from '../../state/file.js';
import { ClusterCommand, fileArg } from '../base.js';

export default class Deploy extends ClusterCommand {
  static override summary =
    'Create or update the cluster: Terraform for the infrastructure, Ansible for the management node';
  static override description =
    'Validates the cluster file and checks, before anything is created, that terraform (or tofu), ansible-playbook with the collections the roles use, packer and cloud credentials are there, that your address is inside network.adminCidrs and that no example placeholder is left (--skip-check NAME skips one). Then synthesizes the Terraform JSON into .citc/<cluster>/infra, runs terraform init and plan, and shows the plan resource by resource: what is created, updated in place, replaced or deleted, compared with the configuration last applied. A plan that replaces or deletes the management node or the shared disk is refused unless --allow-replace; one that replaces or deletes anything asks first (--yes for scripts). Then applies exactly that plan, records the outputs in the state file and configures the management node with Ansible. --dry-run stops after the plan and needs no cloud account and no terraform.';
  static override examples = [
    '<%= config.bin %> deploy --dry-run examples/aws.yaml',
    '<%= config.bin %> deploy',
    '<%= config.bin %> deploy prod.yaml --tool tofu --ssh-key ~/.ssh/id_ed25519',
    '<%= config.bin %> deploy --my-address 198.51.100.23 --yes',
  ];
  static override enableJsonFlag = true;
  static override args = { file: fileArg };
  static override flags = {
    'dry-run': Flags.boolean({
      summary: 'Synthesize and print what would be created; change nothing.',
      default: false,
    }),
    tool: Flags.string({
      summary: 'Terraform or OpenTofu (default: terraform, else tofu, from PATH).',
      options: ['terraform', 'tofu'],
    }),
    'skip-configure': Flags.boolean({
      summary: 'Stop after terraform apply; do not run the Ansible playbook.',
      default: false,
    }),
    'ssh-key': Flags.string({
      summary: 'Private key Ansible logs in to the management node with (default: your ssh agent).',
    }),
    'work-dir': Flags.string({ summary: 'Work directory of the cluster (default .citc/<cluster> beside citc.yaml).' }),
    'allow-replace': Flags.boolean({
      summary: 'Allow a plan that replaces or deletes the management node or the shared disk (back up /home first).',
      default: false,
    }),
    'skip-check': Flags.string({
      summary: 'Skip one of the checks made before anything is created (repeatable).',
      options: [...CHECKS],
      multiple: true,
    }),
    'my-address': Flags.string({
      summary:
        'The public IPv4 address the cloud sees you connect from; checked against network.adminCidrs and kept for the next deploy.',
    }),
    yes: Flags.boolean({
      char: 'y',
      summary: 'Apply a plan that replaces or deletes resources without asking (for scripts).',
      default: false,
    }),
  };

  async run(): Promise<DeployResult> {
    const parsed = await this.parse(Deploy);
    const { args, flags } = parsed;
    const { config, path: configPath } = await this.loadCluster(parsed);
    const ui = this.jsonEnabled() ? undefined : new StepProgress(process.stderr);
    const result = await deployCluster({
      config,
      workDir: clusterWorkDir(configPath, config.name, flags['work-dir']),
      dryRun: flags['dry-run'],
      skipConfigure: flags['skip-configure'],
      ...(flags.tool && { tool: flags.tool as 'terraform' | 'tofu' }),
      ...(flags['ssh-key'] && { inventory: { sshKeyFile: flags['ssh-key'] } }),
      allowReplace: flags['allow-replace'],
      preflight: {
        ...(flags['skip-check'] && { skip: flags['skip-check'] as CheckName[] }),
        ...(flags['my-address'] && { myAddress: flags['my-address'] }),
      },
      onPreflight: (report) => {
        this.progress('Checks before anything is created:');
        for (const line of formatPreflight(report)) this.progress(line);
      },
      ...(ui && { steps: ui }),
      yes: flags.yes,
      onProgress: (line) => ui?.line(line),
      onPlan: (plan) => {
        ui?.clear();
        if (!this.jsonEnabled()) for (const line of formatPlan(plan)) this.log(line);
      },
      ...(process.stdin.isTTY && !this.jsonEnabled() && { confirm: (plan: DeployPlan) => this.ask(plan) }),
    });
    if (result.dryRun) {
      for (const line of formatSummary(result.summary, process.cwd(), result.plan)) this.log(line);
      if (result.wouldRefuse) this.log(`citc deploy would refuse this: ${result.wouldRefuse}`);
      this.log(`Dry run: nothing was changed. Deploy for real with: citc deploy ${args.file ?? ''}`.trimEnd());
      return result;
    }
    if (ui) {
      this.logToStderr('Steps:');
      for (const line of ui.summary()) this.logToStderr(line);
    }
    const ip = result.outputs?.management_public_ip;
    const user = result.outputs?.management_ssh_user;
    this.log(
      `Deployed ${config.name} with ${result.tool?.name} ${result.tool?.version}; state in ${result.stateFile}.`,
    );
    if (ip) this.log(`Management node: ssh ${user ? `${user}@` : ''}${ip}`);
    if (!result.configured)
      this.log('The management node is not configured yet (--skip-configure): run `citc deploy` again without it.');
    return result;
  }

  /** y/N on the terminal, after the plan was printed. */
  private async ask(plan: DeployPlan): Promise<boolean> {
    const n = plan.counts.replace + plan.counts.delete;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    const answer = await rl.question(`${n} resource(s) will be replaced or deleted (see above). Apply? [y/N] `);
    rl.close();
    return /^y(es)?$/i.test(answer.trim());
  }
}
