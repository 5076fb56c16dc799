data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_kms_key" "secrets" {
  description         = "${var.name_prefix} secrets"
  enable_key_rotation = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*" # in a key policy, "*" is this key
      },
    ]
  })
  tags = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/${replace(var.name_prefix, "/", "-")}-secrets"
  target_key_id = aws_kms_key.secrets.key_id
}

# The access-token signing key (EdDSA). Replacing this resource rotates it: publish the old
# public key in TASKFLOW_JWT_PREVIOUS_PUBLIC_KEYS until the last old token has expired.
resource "tls_private_key" "jwt" {
  algorithm = "ED25519"
}

locals {
  # Exactly the settings TaskFlow needs kept secret; an ExternalSecret maps each key to the
  # environment variable of the same name in the Kubernetes Secret taskflow-secrets.
  values = {
    TASKFLOW_DATABASE_URL    = var.database_url
    TASKFLOW_REDIS_URL       = var.redis_url
    TASKFLOW_AMQP_URL        = var.amqp_url
    TASKFLOW_JWT_PRIVATE_KEY = tls_private_key.jwt.private_key_pem_pkcs8
  }
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "${var.name_prefix}/app"
  description             = "TaskFlow connection URLs and access-token signing key"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id     = aws_secretsmanager_secret.app.id
  secret_string = jsonencode(local.values)
}

# The RabbitMQ Broker, RabbitmqSource and topology operator reach an external RabbitMQ
# through a connection secret with these keys: uri is the management API (https://host:port),
# port the AMQP port, ssl whether AMQP uses TLS (Amazon MQ accepts nothing else).
resource "aws_secretsmanager_secret" "rabbitmq" {
  name                    = "${var.name_prefix}/rabbitmq"
  description             = "Amazon MQ management API connection for Knative's RabbitMQ broker"
  kms_key_id              = aws_kms_key.secrets.arn
  recovery_window_in_days = var.recovery_window_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "rabbitmq" {
  secret_id = aws_secretsmanager_secret.rabbitmq.id
  secret_string = jsonencode({
    uri      = var.rabbitmq_management_url
    port     = tostring(var.rabbitmq_amqp_port)
    ssl      = "true"
    username = var.rabbitmq_username
    password = var.rabbitmq_password
  })
}
