output "primary_endpoint" {
  description = "Host name of the Redis primary."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Port of the Redis replication group."
  value       = aws_elasticache_replication_group.this.port
}

output "security_group_id" {
  description = "Security group of the cache."
  value       = aws_security_group.cache.id
}

output "url" {
  description = "TASKFLOW_REDIS_URL: TLS (rediss://) with the auth token."
  value       = "rediss://:${random_password.auth_token.result}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}/0"
  sensitive   = true
}
