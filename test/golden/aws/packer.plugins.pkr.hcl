# Plugins for Packer 1.7 and later (`packer init` installs them). Packer 1.6.6 bundles its builders
# and does not know this block: citc then builds compute.pkr.hcl alone. Exact versions: a build never
# picks up a plugin release nobody reviewed (raise them deliberately).
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = "= 1.3.10"
    }
    ansible = {
      source  = "github.com/hashicorp/ansible"
      version = "= 1.1.4"
    }
  }
}
