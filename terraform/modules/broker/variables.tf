variable "name" {
  description = "Name prefix of the broker resources (e.g. taskflow-prod)."
  type        = string
}

variable "vpc_id" {
  description = "VPC the broker runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets: the first for a single-instance broker, two or more for a cluster."
  type        = list(string)
}

variable "allowed_security_group_ids" {
  description = "Security groups (the EKS nodes') allowed to connect on AMQPS and the HTTPS management API."
  type        = list(string)
}

variable "engine_version" {
  description = "RabbitMQ engine version offered by Amazon MQ."
  type        = string
  default     = "3.13"

  validation {
    condition     = can(regex("^3\\.13$|^4\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be 3.13 or a 4.x version (quorum queues with delivery limits)."
  }
}

variable "instance_type" {
  description = "Amazon MQ host instance type."
  type        = string
  default     = "mq.m5.large"

  validation {
    condition     = startswith(var.instance_type, "mq.")
    error_message = "instance_type must be an Amazon MQ type such as mq.m5.large."
  }
}

variable "deployment_mode" {
  description = "SINGLE_INSTANCE (dev) or CLUSTER_MULTI_AZ (three nodes across zones, production)."
  type        = string
  default     = "CLUSTER_MULTI_AZ"

  validation {
    condition     = contains(["SINGLE_INSTANCE", "CLUSTER_MULTI_AZ"], var.deployment_mode)
    error_message = "deployment_mode must be SINGLE_INSTANCE or CLUSTER_MULTI_AZ."
  }
}

variable "username" {
  description = "Broker user the application and the Knative RabbitMQ broker connect as."
  type        = string
  default     = "taskflow"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.~-]{2,100}$", var.username)) && var.username != "guest"
    error_message = "username must be 2-100 URL-safe characters and not guest."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
