# The environment: names, tags and the application's TASKFLOW_ENV.

variable "environment" {
  description = "Environment name: resources are named taskflow-<environment>, secrets taskflow/<environment>/...; prod gets the production rules below."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2 to 10 lowercase letters and digits, such as dev or prod."
  }
}

# What an operator sets (the environments' own variables pass them through).

variable "aws_region" {
  description = "AWS region TaskFlow runs in."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as eu-west-1."
  }
}

variable "availability_zones" {
  description = "The three availability zones of aws_region the VPC spans (named, so that a new zone never moves a subnet)."
  type        = list(string)

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

variable "attachments_bucket_name" {
  description = "Name of the attachments bucket; null: taskflow-<environment>-attachments-<account id>."
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

# What sets the environments apart: each environment's main.tf states every one.

variable "vpc_cidr" {
  description = "IPv4 range of the VPC."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper; losing its zone cuts every zone's egress) instead of one per zone."
  type        = bool
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the EKS cluster."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.31."
  }
}

variable "node_instance_types" {
  description = "Instance types of the managed node group (more than one lets Spot capacity come from several pools)."
  type        = list(string)

  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "node_instance_types must name at least one instance type."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT capacity for the managed node group."
  type        = string

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_min_size" {
  description = "Fewest nodes, and the node group's size at creation."
  type        = number

  validation {
    condition     = var.node_min_size >= (var.environment == "prod" ? 2 : 1)
    error_message = "node_min_size must be at least 1, and at least 2 in production (one node lost must not stop the platform)."
  }
}

variable "node_max_size" {
  description = "Most nodes."
  type        = number

  validation {
    condition     = var.node_max_size >= max(var.node_min_size, var.environment == "prod" ? 3 : 1)
    error_message = "node_max_size must be at least node_min_size, and at least 3 in production."
  }
}

variable "database_instance_class" {
  description = "RDS instance class of PostgreSQL."
  type        = string

  validation {
    condition     = startswith(var.database_instance_class, "db.")
    error_message = "database_instance_class must be an RDS class such as db.m6g.large."
  }
}

variable "database_multi_az" {
  description = "Keep a synchronous PostgreSQL standby in another zone."
  type        = bool
}

variable "database_deletion_protection" {
  description = "Refuse to delete the PostgreSQL instance."
  type        = bool
}

variable "database_skip_final_snapshot" {
  description = "Delete PostgreSQL without a final snapshot (a disposable database only)."
  type        = bool
}

variable "database_backup_retention_days" {
  description = "Days of automated PostgreSQL backups and point-in-time recovery."
  type        = number

  validation {
    condition     = var.database_backup_retention_days >= 1 && var.database_backup_retention_days <= 35
    error_message = "database_backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "cache_node_type" {
  description = "ElastiCache node type of Redis."
  type        = string

  validation {
    condition     = startswith(var.cache_node_type, "cache.")
    error_message = "cache_node_type must be an ElastiCache node type such as cache.m6g.large."
  }
}

variable "cache_multi_az" {
  description = "Keep a Redis replica in another zone and fail over to it automatically."
  type        = bool
}

variable "cache_replicas" {
  description = "Redis read replicas besides the primary."
  type        = number

  validation {
    condition     = var.cache_replicas >= (var.cache_multi_az ? 1 : 0) && var.cache_replicas <= 5
    error_message = "cache_replicas must be between 0 and 5, and at least 1 with cache_multi_az."
  }
}

variable "cache_snapshot_retention_days" {
  description = "Days of daily Redis snapshots (the cache holds only rebuildable data; 0 turns them off)."
  type        = number

  validation {
    condition     = var.cache_snapshot_retention_days >= 0 && var.cache_snapshot_retention_days <= 35
    error_message = "cache_snapshot_retention_days must be between 0 and 35."
  }
}

variable "broker_instance_type" {
  description = "Amazon MQ instance type of RabbitMQ."
  type        = string

  validation {
    condition     = startswith(var.broker_instance_type, "mq.")
    error_message = "broker_instance_type must be an Amazon MQ type such as mq.m5.large."
  }
}

variable "broker_deployment_mode" {
  description = "SINGLE_INSTANCE, or CLUSTER_MULTI_AZ (three RabbitMQ nodes across zones)."
  type        = string

  validation {
    condition     = contains(["SINGLE_INSTANCE", "CLUSTER_MULTI_AZ"], var.broker_deployment_mode)
    error_message = "broker_deployment_mode must be SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
  }
}

variable "attachments_force_destroy" {
  description = "Let terraform destroy delete the attachments bucket while it still holds objects."
  type        = bool
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret can still be restored; 0 deletes at once, so that the same names can be created again."
  type        = number

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}
