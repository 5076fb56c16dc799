variable "name" {
  description = "Name prefix of the roles (e.g. taskflow-prod)."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_issuer_url" {
  description = "Issuer URL of the cluster's service account tokens (https://oidc.eks...)."
  type        = string

  validation {
    condition     = startswith(var.oidc_issuer_url, "https://")
    error_message = "oidc_issuer_url must be an https:// URL."
  }
}

variable "app_namespace" {
  description = "Kubernetes namespace of TaskFlow's workloads."
  type        = string
  default     = "taskflow"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.app_namespace))
    error_message = "app_namespace must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "functions_service_account" {
  description = "Service account every TaskFlow function runs as."
  type        = string
  default     = "taskflow-functions"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.functions_service_account))
    error_message = "functions_service_account must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "external_secrets_namespace" {
  description = "Namespace of the External Secrets Operator."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_namespace))
    error_message = "external_secrets_namespace must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator's controller."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_service_account))
    error_message = "external_secrets_service_account must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "ses_identity_arn" {
  description = "ARN of the SES domain identity the functions may send as."
  type        = string
}

variable "sender_address" {
  description = "The one From address the functions may use."
  type        = string
}

variable "attachments_bucket_arn" {
  description = "ARN of the attachments bucket."
  type        = string
}

variable "attachments_kms_key_arn" {
  description = "KMS key of the attachments bucket."
  type        = string
}

variable "readable_secret_arns" {
  description = "Secrets Manager secrets the External Secrets Operator may read (the app's and the broker's)."
  type        = list(string)
}

variable "secrets_kms_key_arn" {
  description = "KMS key that encrypts those secrets."
  type        = string
}

variable "github_repository" {
  description = "owner/name of the GitHub repository whose main branch may push images and deploy; null: no CI role."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "github_environment" {
  description = "GitHub Actions environment the deploy job runs in (its token's subject names it)."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9 _.-]{1,255}$", var.github_environment))
    error_message = "github_environment must be a GitHub environment name (letters, digits, spaces, . _ -)."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider (false when another stack already did)."
  type        = bool
  default     = true
}

variable "ecr_repository_arns" {
  description = "Repositories the CI role may push to."
  type        = list(string)
  default     = []
}

variable "cluster_arn" {
  description = "EKS cluster the CI role may describe (for update-kubeconfig)."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster the CI role deploys to (it gets an access entry there)."
  type        = string
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
