output "address" {
  description = "Host name of the PostgreSQL instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the PostgreSQL instance."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Name of the application database."
  value       = aws_db_instance.this.db_name
}

output "instance_arn" {
  description = "ARN of the PostgreSQL instance."
  value       = aws_db_instance.this.arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.database.id
}

output "url" {
  description = "TASKFLOW_DATABASE_URL: TLS required, credentials included."
  value       = "postgresql://${aws_db_instance.this.username}:${random_password.master.result}@${aws_db_instance.this.address}:${aws_db_instance.this.port}/${aws_db_instance.this.db_name}?sslmode=require"
  sensitive   = true
}
