variable "repositories" {
  description = "ECR repositories to create: the TaskFlow image and the gateway image."
  type        = list(string)
  default     = ["taskflow", "taskflow-gateway"]

  validation {
    condition     = length(var.repositories) > 0 && alltrue([for name in var.repositories : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", name))])
    error_message = "repositories must be lowercase ECR repository names."
  }
}

variable "keep_tagged_images" {
  description = "How many tagged images each repository keeps; older ones expire."
  type        = number
  default     = 50

  validation {
    condition     = var.keep_tagged_images >= 5
    error_message = "keep_tagged_images must be at least 5 (room to roll back)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
