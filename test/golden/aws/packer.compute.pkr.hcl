# The compute image of cluster hpc-aws: rendered by `citc image rebuild`. Builds on Packer 1.6.6
# (builders bundled) and, with plugins.pkr.hcl beside it, on current Packer after `packer init`.
locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "amazon-ebs" "compute" {
  region        = "us-east-1"
  instance_type = "t3.medium"
  ami_name      = "citc-hpc-aws-compute-${local.stamp}"
  ssh_username  = "rocky"
  # The image's snapshot is encrypted (the account's aws/ebs key); it holds no secret either way: the
  # munge key reaches each node at boot from the management node.
  encrypt_boot  = true
  source_ami_filter {
    filters = {
      name                = "Rocky-9-EC2-Base-9.*x86_64"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
      architecture        = "x86_64"
    }
    owners      = ["792107900819"]
    most_recent = true
  }
  tags = {
    "project" = "climate-model"
    "cost-center" = "4711"
    "citc:cluster" = "hpc-aws"
    "citc:role" = "compute-image"
  }
}

build {
  sources = ["source.amazon-ebs.compute"]

  # The compute side of citc's playbook: the same roles an admin can run by hand.
  provisioner "ansible" {
    playbook_file   = "/CITC/ansible/compute.yml"
    extra_arguments = ["--extra-vars", "@/WORKDIR/ansible/group_vars.yml"]
    use_proxy       = false
    ansible_env_vars = ["ANSIBLE_HOST_KEY_CHECKING=False"]
  }
}
