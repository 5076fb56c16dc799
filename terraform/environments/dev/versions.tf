terraform {
  required_version = ">= 1.10" # the S3 backend's own lock file (use_lockfile)

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.84.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.6.3"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "4.0.6"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "2.17.0"
    }
    kubectl = {
      source  = "alekc/kubectl"
      version = "2.1.3"
    }
    http = {
      source  = "hashicorp/http"
      version = "3.4.5"
    }
  }

  # State holds the generated passwords and the signing key: keep it in an encrypted,
  # versioned bucket. Supply the rest at init:
  #   terraform init -backend-config="bucket=..." -backend-config="region=..."
  backend "s3" {
    key          = "taskflow/dev/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
