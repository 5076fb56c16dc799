# What an operator sets in terraform.tfvars; modules/stack/variables.tf validates each one.

variable "aws_region" {
  description = "AWS region TaskFlow runs in."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "The three availability zones of aws_region the VPC spans."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "domain" {
  description = "Domain people reach TaskFlow at; Knative publishes functions under it and SES sends from it."
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of the domain, for the SES DKIM records; null to publish them by hand."
  type        = string
  default     = null
}

variable "cluster_endpoint_public_access" {
  description = "Reach the Kubernetes API from outside the VPC, from cluster_public_access_cidrs only."
  type        = bool
  default     = false
}

variable "cluster_public_access_cidrs" {
  description = "Addresses allowed to the public API endpoint when it is enabled."
  type        = list(string)
  default     = []
}

variable "attachments_bucket_name" {
  description = "Name of the attachments bucket; null: taskflow-<environment>-attachments-<account id>."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "owner/name of the GitHub repository that deploys (a role for its Actions is created); null: none."
  type        = string
  default     = null
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider; false when the account already has one."
  type        = bool
  default     = true
}

variable "acme_email" {
  description = "Contact address for Let's Encrypt certificates of the gateway; null: provide the taskflow-tls secret yourself."
  type        = string
  default     = null
}
