# TaskFlow on AWS: every module wired together. The environments under
# terraform/environments call this once, with their own sizes and protections.

data "aws_caller_identity" "current" {}

locals {
  name = "taskflow-${var.environment}"
  tags = {
    Project     = "taskflow"
    Environment = var.environment
    ManagedBy   = "terraform"
  }
  attachments_bucket = coalesce(var.attachments_bucket_name, "${local.name}-attachments-${data.aws_caller_identity.current.account_id}")
  app_namespace      = "taskflow"
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.name
  tags               = local.tags
}

module "eks" {
  source                 = "../eks"
  cluster_name           = local.name
  kubernetes_version     = var.kubernetes_version
  vpc_id                 = module.network.vpc_id
  private_subnet_ids     = module.network.private_subnet_ids
  endpoint_public_access = var.cluster_endpoint_public_access
  public_access_cidrs    = var.cluster_public_access_cidrs
  node_instance_types    = var.node_instance_types
  node_min_size          = var.node_min_size
  node_max_size          = var.node_max_size
  node_desired_size      = var.node_min_size
  node_capacity_type     = var.node_capacity_type
  tags                   = local.tags
}

module "database" {
  source                     = "../database"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  instance_class             = var.database_instance_class
  multi_az                   = var.database_multi_az
  deletion_protection        = var.database_deletion_protection
  backup_retention_days      = var.database_backup_retention_days
  skip_final_snapshot        = var.database_skip_final_snapshot
  tags                       = local.tags
}

module "cache" {
  source                     = "../cache"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  node_type                  = var.cache_node_type
  multi_az                   = var.cache_multi_az
  replicas                   = var.cache_replicas
  snapshot_retention_days    = var.cache_snapshot_retention_days
  tags                       = local.tags
}

module "broker" {
  source                     = "../broker"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  instance_type              = var.broker_instance_type
  deployment_mode            = var.broker_deployment_mode
  tags                       = local.tags
}

module "registry" {
  source       = "../registry"
  repositories = ["taskflow", "taskflow-gateway"]
  tags         = local.tags
}

module "storage" {
  source          = "../storage"
  bucket_name     = local.attachments_bucket
  allowed_origins = ["https://${var.domain}"]
  force_destroy   = var.attachments_force_destroy
  tags            = local.tags
}

module "mail" {
  source          = "../mail"
  domain          = var.domain
  route53_zone_id = var.route53_zone_id
  tags            = local.tags
}

module "secrets" {
  source                  = "../secrets"
  name_prefix             = "taskflow/${var.environment}"
  database_url            = module.database.url
  redis_url               = module.cache.url
  amqp_url                = module.broker.url
  rabbitmq_management_url = module.broker.management_url
  rabbitmq_amqp_port      = module.broker.amqp_port
  rabbitmq_username       = module.broker.username
  rabbitmq_password       = module.broker.password
  recovery_window_days    = var.secret_recovery_window_days
  tags                    = local.tags
}

module "iam" {
  source                      = "../iam"
  name                        = local.name
  oidc_provider_arn           = module.eks.oidc_provider_arn
  oidc_issuer_url             = module.eks.oidc_issuer_url
  app_namespace               = local.app_namespace
  ses_identity_arn            = module.mail.identity_arn
  sender_address              = module.mail.sender_address
  attachments_bucket_arn      = module.storage.bucket_arn
  attachments_kms_key_arn     = module.storage.kms_key_arn
  readable_secret_arns        = [module.secrets.app_secret_arn, module.secrets.rabbitmq_secret_arn]
  secrets_kms_key_arn         = module.secrets.kms_key_arn
  github_repository           = var.github_repository
  create_github_oidc_provider = var.create_github_oidc_provider
  ecr_repository_arns         = values(module.registry.repository_arns)
  cluster_arn                 = module.eks.cluster_arn
  cluster_name                = module.eks.cluster_name
  tags                        = local.tags
}

module "knative" {
  source                    = "../knative"
  aws_region                = var.aws_region
  domain                    = var.domain
  app_namespace             = local.app_namespace
  external_secrets_role_arn = module.iam.external_secrets_role_arn
  acme_email                = var.acme_email
  # Controllers need nodes, and the cluster's add-ons, before anything is installed.
  cluster_ready = module.eks.ready
}
