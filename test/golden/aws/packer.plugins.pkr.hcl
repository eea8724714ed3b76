# Plugins for Packer 1.7 and later (`packer init` installs them). Packer 1.6.6 bundles its builders
# and does not know this block: citc then builds compute.pkr.hcl alone.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.0"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = ">= 1.1.0"
    }
  }
}
