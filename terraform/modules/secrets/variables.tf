variable "name_prefix" {
  description = "Prefix of the secrets' names, by convention taskflow/<environment> (giving taskflow/<environment>/app and .../rabbitmq)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,500}$", var.name_prefix)) && !endswith(var.name_prefix, "/")
    error_message = "name_prefix must use only the characters Secrets Manager allows in names and not end with a slash."
  }
}

variable "database_url" {
  description = "TASKFLOW_DATABASE_URL (credentials included)."
  type        = string
  sensitive   = true
}

variable "redis_url" {
  description = "TASKFLOW_REDIS_URL (auth token included)."
  type        = string
  sensitive   = true
}

variable "amqp_url" {
  description = "TASKFLOW_AMQP_URL (credentials included)."
  type        = string
  sensitive   = true
}

variable "rabbitmq_management_url" {
  description = "HTTPS URL of the broker's management API (the topology operator's connection secret)."
  type        = string
}

variable "rabbitmq_amqp_port" {
  description = "AMQP over TLS port of the broker."
  type        = number
  default     = 5671

  validation {
    condition     = var.rabbitmq_amqp_port > 0 && var.rabbitmq_amqp_port < 65536
    error_message = "rabbitmq_amqp_port must be a TCP port."
  }
}

variable "rabbitmq_username" {
  description = "Broker user name."
  type        = string
}

variable "rabbitmq_password" {
  description = "Broker password."
  type        = string
  sensitive   = true
}

variable "recovery_window_days" {
  description = "Days a deleted secret can still be restored (0 deletes at once; dev only)."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_days == 0 || (var.recovery_window_days >= 7 && var.recovery_window_days <= 30)
    error_message = "recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
