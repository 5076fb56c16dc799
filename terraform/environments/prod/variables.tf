variable "aws_region" {
  description = "AWS region TaskFlow runs in."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as eu-west-1."
  }
}

variable "availability_zones" {
  description = "The three availability zones of aws_region the VPC spans (named, so that a new zone never moves a subnet)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

  validation {
    condition     = length(distinct(var.availability_zones)) == 3 && alltrue([for zone in var.availability_zones : startswith(zone, var.aws_region)])
    error_message = "availability_zones must be three distinct zones of aws_region."
  }
}

variable "domain" {
  description = "Domain people reach TaskFlow at; Knative publishes functions under it and SES sends from it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as taskflow.example.com."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of the domain, for the SES DKIM records; null to publish them by hand (see the ses_dkim_records output)."
  type        = string
  default     = null

  validation {
    condition     = var.route53_zone_id == null || can(regex("^Z[A-Z0-9]{1,31}$", var.route53_zone_id))
    error_message = "route53_zone_id must be a hosted zone ID such as Z0123456789ABCDEFGHIJ."
  }
}

variable "vpc_cidr" {
  description = "IPv4 range of the VPC."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the EKS cluster."
  type        = string
  default     = "1.31"

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31."
  }
}

variable "cluster_endpoint_public_access" {
  description = "Reach the Kubernetes API from outside the VPC (from cluster_public_access_cidrs only); CI runners outside the VPC need it."
  type        = bool
  default     = false
}

variable "cluster_public_access_cidrs" {
  description = "Addresses allowed to the public API endpoint when it is enabled."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.cluster_public_access_cidrs : can(cidrhost(cidr, 0)) && cidr != "0.0.0.0/0"])
    error_message = "cluster_public_access_cidrs must be IPv4 CIDR blocks other than 0.0.0.0/0."
  }
}

variable "node_instance_types" {
  description = "Instance types of the managed node group."
  type        = list(string)
  default     = ["m6i.large"]

  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "node_instance_types must name at least one instance type."
  }
}

variable "node_min_size" {
  description = "Fewest nodes."
  type        = number
  default     = 3

  validation {
    condition     = var.node_min_size >= 2
    error_message = "node_min_size must be at least 2 in production (one node lost must not stop the platform)."
  }
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number
  default     = 9

  validation {
    condition     = var.node_max_size >= 3
    error_message = "node_max_size must be at least 3."
  }
}

variable "database_instance_class" {
  description = "RDS instance class of PostgreSQL."
  type        = string
  default     = "db.m6g.large"

  validation {
    condition     = startswith(var.database_instance_class, "db.")
    error_message = "database_instance_class must be an RDS class such as db.m6g.large."
  }
}

variable "cache_node_type" {
  description = "ElastiCache node type of Redis."
  type        = string
  default     = "cache.m6g.large"

  validation {
    condition     = startswith(var.cache_node_type, "cache.")
    error_message = "cache_node_type must be an ElastiCache node type such as cache.m6g.large."
  }
}

variable "broker_instance_type" {
  description = "Amazon MQ instance type of RabbitMQ."
  type        = string
  default     = "mq.m5.large"

  validation {
    condition     = startswith(var.broker_instance_type, "mq.")
    error_message = "broker_instance_type must be an Amazon MQ type such as mq.m5.large."
  }
}

variable "attachments_bucket_name" {
  description = "Name of the attachments bucket; null: taskflow-prod-attachments-<account id>."
  type        = string
  default     = null

  validation {
    condition     = var.attachments_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.attachments_bucket_name))
    error_message = "attachments_bucket_name must be a valid S3 bucket name."
  }
}

variable "github_repository" {
  description = "owner/name of the GitHub repository that deploys (a role for its Actions is created); null: none."
  type        = string
  default     = null

  validation {
    condition     = var.github_repository == null || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must look like owner/name."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub Actions OIDC provider; false when the account already has one."
  type        = bool
  default     = true
}

variable "acme_email" {
  description = "Contact address for Let's Encrypt; when set, the ClusterIssuer letsencrypt issues the gateway's certificate. Null: provide the taskflow-tls secret yourself."
  type        = string
  default     = null

  validation {
    condition     = var.acme_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.acme_email))
    error_message = "acme_email must be an e-mail address."
  }
}
