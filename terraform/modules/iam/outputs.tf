output "functions_role_arn" {
  description = "Role for the taskflow-functions service account (eks.amazonaws.com/role-arn annotation)."
  value       = aws_iam_role.functions.arn
}

output "external_secrets_role_arn" {
  description = "Role for the External Secrets Operator's service account."
  value       = aws_iam_role.external_secrets.arn
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes to push images and deploy (AWS_DEPLOY_ROLE_ARN); null without a repository."
  value       = one(aws_iam_role.deploy[*].arn)
}
