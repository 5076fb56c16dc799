variable "cluster_ready" {
  description = "A value known only once the cluster's nodes and add-ons exist (the eks module's ready output); every install waits for it."
  type        = string
}

variable "aws_region" {
  description = "Region of the Secrets Manager secrets the ClusterSecretStore reads."
  type        = string
}

variable "domain" {
  description = "Domain Knative Services are published under (<service>.<namespace>.<domain>)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS name."
  }
}

variable "app_namespace" {
  description = "Namespace TaskFlow's workloads run in (knative/ creates it with restricted Pod Security)."
  type        = string
  default     = "taskflow"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.app_namespace))
    error_message = "app_namespace must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "external_secrets_role_arn" {
  description = "IRSA role of the External Secrets Operator."
  type        = string
}

variable "external_secrets_namespace" {
  description = "Namespace of the External Secrets Operator (must match the role's trust policy)."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_namespace))
    error_message = "external_secrets_namespace must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "external_secrets_service_account" {
  description = "Service account of the External Secrets Operator (must match the role's trust policy)."
  type        = string
  default     = "external-secrets"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.external_secrets_service_account))
    error_message = "external_secrets_service_account must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "cluster_secret_store_name" {
  description = "Name of the ClusterSecretStore that TaskFlow's ExternalSecrets reference."
  type        = string
  default     = "aws-secrets-manager"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.cluster_secret_store_name))
    error_message = "cluster_secret_store_name must be a Kubernetes name (lowercase letters, digits and dashes)."
  }
}

variable "knative_version" {
  description = "Knative Serving and Eventing minor version the operator installs."
  type        = string
  default     = "1.16"

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.knative_version))
    error_message = "knative_version must be a minor version such as 1.16."
  }
}

variable "knative_operator_chart_version" {
  description = "Version of the knative-operator Helm chart (same minor as knative_version)."
  type        = string
  default     = "v1.16.4"

  validation {
    condition     = can(regex("^v1\\.[0-9]+\\.[0-9]+$", var.knative_operator_chart_version))
    error_message = "knative_operator_chart_version must be an exact version such as v1.16.4."
  }
}

variable "eventing_rabbitmq_version" {
  description = "Release tag of eventing-rabbitmq (RabbitMQ Broker and RabbitmqSource), same minor as knative_version."
  type        = string
  default     = "knative-v1.16.0"

  validation {
    condition     = can(regex("^knative-v1\\.[0-9]+\\.[0-9]+$", var.eventing_rabbitmq_version))
    error_message = "eventing_rabbitmq_version must be an exact release tag such as knative-v1.16.0."
  }
}

variable "rabbitmq_cluster_operator_version" {
  description = "Release of the RabbitMQ cluster operator."
  type        = string
  default     = "v2.12.0"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.rabbitmq_cluster_operator_version))
    error_message = "rabbitmq_cluster_operator_version must be an exact release such as v2.12.0."
  }
}

variable "rabbitmq_topology_operator_version" {
  description = "Release of the RabbitMQ messaging topology operator (declares the broker's exchanges, queues and bindings)."
  type        = string
  default     = "v1.15.0"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.rabbitmq_topology_operator_version))
    error_message = "rabbitmq_topology_operator_version must be an exact release such as v1.15.0."
  }
}

variable "cert_manager_chart_version" {
  description = "Version of the cert-manager Helm chart (the topology operator's webhook certificates)."
  type        = string
  default     = "v1.16.2"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.cert_manager_chart_version))
    error_message = "cert_manager_chart_version must be an exact version such as v1.16.2."
  }
}

variable "external_secrets_chart_version" {
  description = "Version of the external-secrets Helm chart."
  type        = string
  default     = "0.10.7"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.external_secrets_chart_version))
    error_message = "external_secrets_chart_version must be an exact version such as 0.10.7."
  }
}

variable "ingress_nginx_chart_version" {
  description = "Version of the ingress-nginx Helm chart (serves the gateway's Ingress)."
  type        = string
  default     = "4.11.3"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.ingress_nginx_chart_version))
    error_message = "ingress_nginx_chart_version must be an exact version such as 4.11.3."
  }
}

variable "acme_email" {
  description = "Contact address for Let's Encrypt; when set, a ClusterIssuer named letsencrypt issues the Ingress's certificate. Null: bring your own taskflow-tls secret."
  type        = string
  default     = null

  validation {
    condition     = var.acme_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.acme_email))
    error_message = "acme_email must be an e-mail address."
  }
}
