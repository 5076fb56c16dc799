output "app_secret_arn" {
  description = "ARN of the application secret."
  value       = aws_secretsmanager_secret.app.arn
}

output "app_secret_name" {
  description = "Name of the application secret (the ExternalSecret's remote key)."
  value       = aws_secretsmanager_secret.app.name
}

output "rabbitmq_secret_arn" {
  description = "ARN of the RabbitMQ connection secret."
  value       = aws_secretsmanager_secret.rabbitmq.arn
}

output "rabbitmq_secret_name" {
  description = "Name of the RabbitMQ connection secret (keys uri, username, password)."
  value       = aws_secretsmanager_secret.rabbitmq.name
}

output "kms_key_arn" {
  description = "KMS key that encrypts both secrets (readers need kms:Decrypt on it)."
  value       = aws_kms_key.secrets.arn
}

output "jwt_public_key_pem" {
  description = "Public half of the signing key (what the JWKS endpoint publishes)."
  value       = tls_private_key.jwt.public_key_pem
}
