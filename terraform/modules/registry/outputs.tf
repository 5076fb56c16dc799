output "repository_urls" {
  description = "Repository URLs by name (registry/name, without a tag)."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.repository_url }
}

output "repository_arns" {
  description = "Repository ARNs by name (for the CI push policy)."
  value       = { for name, repository in aws_ecr_repository.this : name => repository.arn }
}

output "registry_id" {
  description = "Account ID of the registry (the host is <id>.dkr.ecr.<region>.amazonaws.com)."
  value       = one(distinct([for repository in aws_ecr_repository.this : repository.registry_id]))
}
