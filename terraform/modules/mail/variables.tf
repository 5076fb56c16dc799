variable "domain" {
  description = "Domain TaskFlow sends e-mail from (verified in SES with DKIM)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain))
    error_message = "domain must be a lowercase DNS name such as taskflow.example.com."
  }
}

variable "sender_local_part" {
  description = "Local part of the sender address (notifications -> notifications@domain)."
  type        = string
  default     = "notifications"

  validation {
    condition     = can(regex("^[a-z0-9._+-]{1,64}$", var.sender_local_part))
    error_message = "sender_local_part must be a simple e-mail local part."
  }
}

variable "sender_display_name" {
  description = "Display name of the sender."
  type        = string
  default     = "TaskFlow"

  validation {
    condition     = can(regex("^[^<>\"@\\r\\n]{1,64}$", var.sender_display_name))
    error_message = "sender_display_name must be 1-64 characters without <, >, \", @ or line breaks."
  }
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of the domain; when set, the DKIM records are created there. Null: add them by hand."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
