# prod: zone failures tolerated, data protected from deletion.
module "stack" {
  source      = "../../modules/stack"
  environment = "prod"

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

  vpc_cidr           = "10.40.0.0/16"
  single_nat_gateway = false

  kubernetes_version  = "1.31"
  node_instance_types = ["m6i.large"]
  node_capacity_type  = "ON_DEMAND"
  node_min_size       = 3
  node_max_size       = 9

  database_instance_class        = "db.m6g.large"
  database_multi_az              = true
  database_deletion_protection   = true
  database_backup_retention_days = 14
  database_skip_final_snapshot   = false

  cache_node_type               = "cache.m6g.large"
  cache_multi_az                = true
  cache_replicas                = 1
  cache_snapshot_retention_days = 1

  broker_instance_type   = "mq.m5.large"
  broker_deployment_mode = "CLUSTER_MULTI_AZ"

  attachments_force_destroy   = false
  secret_recovery_window_days = 30
}
