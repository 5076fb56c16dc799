variable "name" {
  description = "Identifier prefix of the database resources (e.g. taskflow-prod)."
  type        = string
}

variable "vpc_id" {
  description = "VPC the database runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the DB subnet group (at least two zones)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name at least two subnets in different zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (the EKS nodes') allowed to connect on the PostgreSQL port."
  type        = list(string)
}

variable "engine_version" {
  description = "PostgreSQL 16 minor version (e.g. 16.4)."
  type        = string
  default     = "16.4"

  validation {
    condition     = can(regex("^16\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL 16 minor version such as 16.4."
  }
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.medium"

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class such as db.t4g.medium."
  }
}

variable "allocated_storage_gib" {
  description = "Initial storage in GiB; storage autoscaling may grow it to max_allocated_storage_gib."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gib >= 20 && var.allocated_storage_gib <= 65536
    error_message = "allocated_storage_gib must be between 20 and 65536."
  }
}

variable "max_allocated_storage_gib" {
  description = "Ceiling of storage autoscaling in GiB."
  type        = number
  default     = 200

  validation {
    condition     = var.max_allocated_storage_gib >= 20 && var.max_allocated_storage_gib <= 65536
    error_message = "max_allocated_storage_gib must be between 20 and 65536."
  }
}

variable "database_name" {
  description = "Name of the application database."
  type        = string
  default     = "taskflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "username" {
  description = "Master user name the application connects as."
  type        = string
  default     = "taskflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.username)) && !contains(["postgres", "rdsadmin", "admin"], var.username)
    error_message = "username must be a lowercase identifier and not a reserved name."
  }
}

variable "multi_az" {
  description = "Keep a synchronous standby in another zone (production)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Refuse to delete the instance (production)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups and point-in-time recovery."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 1 and 35 (0 would turn backups off)."
  }
}

variable "iam_database_authentication" {
  description = "Also accept IAM authentication tokens (the application itself uses the password in its secret)."
  type        = bool
  default     = true
}

variable "performance_insights_retention_days" {
  description = "Days Performance Insights keeps its data (7 is free; otherwise a multiple of 31, or 731)."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_days == 7 || var.performance_insights_retention_days == 731 || (var.performance_insights_retention_days % 31 == 0 && var.performance_insights_retention_days <= 713)
    error_message = "performance_insights_retention_days must be 7, 731 or a multiple of 31 up to 713."
  }
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (only sensible for throwaway dev databases)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
