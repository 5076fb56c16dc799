output "broker_id" {
  description = "ID of the Amazon MQ broker."
  value       = aws_mq_broker.this.id
}

output "amqps_endpoint" {
  description = "amqps://host:5671 of the broker (a cluster has one endpoint behind its load balancer)."
  value       = aws_mq_broker.this.instances[0].endpoints[0]
}

output "management_url" {
  description = "https://host:port of the RabbitMQ management API (for the messaging topology operator)."
  # The console URL carries no port; the connection secret wants one.
  value = can(regex(":[0-9]+$", aws_mq_broker.this.instances[0].console_url)) ? aws_mq_broker.this.instances[0].console_url : "${aws_mq_broker.this.instances[0].console_url}:443"
}

output "amqp_port" {
  description = "Port of AMQP over TLS (Amazon MQ accepts no plain AMQP)."
  value       = 5671
}

output "security_group_id" {
  description = "Security group of the broker."
  value       = aws_security_group.broker.id
}

output "username" {
  description = "Broker user name."
  value       = var.username
}

output "password" {
  description = "Broker password."
  value       = random_password.broker.result
  sensitive   = true
}

output "url" {
  description = "TASKFLOW_AMQP_URL: AMQP over TLS to the default virtual host."
  value       = "amqps://${var.username}:${random_password.broker.result}@${trimprefix(aws_mq_broker.this.instances[0].endpoints[0], "amqps://")}/%2F"
  sensitive   = true
}
