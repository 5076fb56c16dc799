# dev: the production stack made cheaper and disposable.
module "stack" {
  source      = "../../modules/stack"
  environment = "dev"

  aws_region                     = var.aws_region
  availability_zones             = var.availability_zones
  domain                         = var.domain
  route53_zone_id                = var.route53_zone_id
  cluster_endpoint_public_access = var.cluster_endpoint_public_access
  cluster_public_access_cidrs    = var.cluster_public_access_cidrs
  attachments_bucket_name        = var.attachments_bucket_name
  github_repository              = var.github_repository
  create_github_oidc_provider    = var.create_github_oidc_provider
  acme_email                     = var.acme_email

  vpc_cidr           = "10.50.0.0/16"
  single_nat_gateway = true # dev tolerates losing a zone's egress

  kubernetes_version  = "1.31"
  node_instance_types = ["m6i.large", "m5.large"]
  node_capacity_type  = "SPOT"
  node_min_size       = 2
  node_max_size       = 4

  # checkov:skip=CKV_AWS_157:dev runs one PostgreSQL instance; prod is multi-AZ
  # checkov:skip=CKV_AWS_293:dev databases are disposable; prod has deletion protection
  database_instance_class        = "db.t4g.medium"
  database_multi_az              = false
  database_deletion_protection   = false
  database_backup_retention_days = 3
  database_skip_final_snapshot   = true

  # checkov:skip=CKV2_AWS_50:dev runs one Redis node; prod fails over across zones
  cache_node_type               = "cache.t4g.small"
  cache_multi_az                = false
  cache_replicas                = 0
  cache_snapshot_retention_days = 0

  broker_instance_type   = "mq.m7g.medium"
  broker_deployment_mode = "SINGLE_INSTANCE"

  attachments_force_destroy   = true
  secret_recovery_window_days = 0
}
