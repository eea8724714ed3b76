# The compute image of cluster hpc-gcp: rendered by `citc image rebuild`. Builds on Packer 1.6.6
# (builders bundled) and, with plugins.pkr.hcl beside it, on current Packer after `packer init`.
locals {
  stamp = formatdate("YYYYMMDDhhmmss", timestamp())
}

source "googlecompute" "compute" {
  project_id              = "my-research-project"
  zone                    = "europe-west4-a"
  machine_type            = "e2-standard-2"
  source_image_family     = "rocky-linux-9"
  source_image_project_id = ["rocky-linux-cloud"]
  image_name              = "citc-hpc-gcp-compute-${local.stamp}"
  image_family            = "citc-hpc-gcp-compute"
  ssh_username            = "packer"
  # Google encrypts every image at rest (Google-managed keys); it holds no secret: the munge key reaches
  # each node at boot from the management node.
  image_labels = {
    "project" = "climate-model"
    "citc-cluster" = "hpc-gcp"
    "citc-role" = "compute-image"
  }
}

build {
  sources = ["source.googlecompute.compute"]

  # The compute side of citc's playbook: the same roles an admin can run by hand.
  provisioner "ansible" {
    playbook_file   = "/CITC/ansible/compute.yml"
    extra_arguments = ["--extra-vars", "@/WORKDIR/ansible/group_vars.yml"]
    use_proxy       = false
    ansible_env_vars = ["ANSIBLE_HOST_KEY_CHECKING=False"]
  }
}
