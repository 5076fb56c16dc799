provider "aws" {
  region = var.aws_region

  default_tags {
    tags = module.stack.tags
  }
}

# The Kubernetes providers authenticate with short-lived tokens from the AWS CLI.
provider "helm" {
  kubernetes {
    host                   = module.stack.cluster_endpoint
    cluster_ca_certificate = base64decode(module.stack.cluster_certificate_authority_data)
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.stack.cluster_name, "--region", var.aws_region]
    }
  }
}

provider "kubectl" {
  host                   = module.stack.cluster_endpoint
  cluster_ca_certificate = base64decode(module.stack.cluster_certificate_authority_data)
  load_config_file       = false
  apply_retry_count      = 5
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", module.stack.cluster_name, "--region", var.aws_region]
  }
}
