resource "aws_security_group" "broker" {
  name        = "${var.name}-rabbitmq"
  description = "RabbitMQ reachable from the cluster's nodes only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-rabbitmq" })
}

locals {
  # AMQP over TLS for clients; HTTPS for the management API the topology operator drives.
  broker_ports = { amqps = 5671, https = 443 }
  ingress = [
    for pair in setproduct(keys(local.broker_ports), range(length(var.allowed_security_group_ids))) :
    { port = local.broker_ports[pair[0]], name = pair[0], group = pair[1] }
  ]
}

resource "aws_vpc_security_group_ingress_rule" "broker" {
  count                        = length(local.ingress)
  security_group_id            = aws_security_group.broker.id
  description                  = "RabbitMQ ${local.ingress[count.index].name} from the cluster"
  ip_protocol                  = "tcp"
  from_port                    = local.ingress[count.index].port
  to_port                      = local.ingress[count.index].port
  referenced_security_group_id = var.allowed_security_group_ids[local.ingress[count.index].group]
}

# Amazon MQ passwords: 12+ characters, no commas, colons or equals signs; letters and digits suit URLs.
resource "random_password" "broker" {
  length  = 40
  special = false
}

resource "aws_mq_broker" "this" {
  broker_name                = "${var.name}-rabbitmq"
  engine_type                = "RabbitMQ"
  engine_version             = var.engine_version
  host_instance_type         = var.instance_type
  deployment_mode            = var.deployment_mode
  publicly_accessible        = false
  auto_minor_version_upgrade = true
  apply_immediately          = false
  subnet_ids                 = var.deployment_mode == "SINGLE_INSTANCE" ? [var.subnet_ids[0]] : var.subnet_ids
  security_groups            = [aws_security_group.broker.id]

  user {
    username = var.username
    password = random_password.broker.result
  }

  logs {
    general = true
  }

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "06:30"
    time_zone   = "UTC"
  }

  tags = var.tags
}
