# Plugins for Packer 1.7 and later (`packer init` installs them). Packer 1.6.6 bundles its builders
# and does not know this block: citc then builds compute.pkr.hcl alone. Exact versions: a build never
# picks up a plugin release nobody reviewed (raise them deliberately).
packer {
  required_plugins {
    googlecompute = {
      source  = "github.com/hashicorp/googlecompute"
      version = "= 1.2.1"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = "= 1.1.4"
    }
  }
}
