data "aws_caller_identity" "current" {}

locals {
  environment = "dev"
  name        = "taskflow-${local.environment}"
  tags = {
    Project     = "taskflow"
    Environment = local.environment
    ManagedBy   = "terraform"
  }
  attachments_bucket = coalesce(var.attachments_bucket_name, "${local.name}-attachments-${data.aws_caller_identity.current.account_id}")
  app_namespace      = "taskflow"
}

module "network" {
  source             = "../../modules/network"
  name               = local.name
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = true # one NAT gateway: dev tolerates losing a zone's egress
  cluster_name       = local.name
  tags               = local.tags
}

module "eks" {
  source                 = "../../modules/eks"
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
  node_capacity_type     = "SPOT"
  tags                   = local.tags
}

module "database" {
  source                     = "../../modules/database"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  instance_class             = var.database_instance_class
  # checkov:skip=CKV_AWS_157:dev runs one PostgreSQL instance; prod is multi-AZ
  # checkov:skip=CKV_AWS_293:dev databases are disposable; prod has deletion protection
  multi_az              = false
  deletion_protection   = false
  backup_retention_days = 3
  skip_final_snapshot   = true
  tags                  = local.tags
}

module "cache" {
  source                     = "../../modules/cache"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  node_type                  = var.cache_node_type
  # checkov:skip=CKV2_AWS_50:dev runs one Redis node; prod fails over across zones
  multi_az                = false
  replicas                = 0
  snapshot_retention_days = 0
  tags                    = local.tags
}

module "broker" {
  source                     = "../../modules/broker"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  allowed_security_group_ids = [module.eks.cluster_security_group_id]
  instance_type              = var.broker_instance_type
  deployment_mode            = "SINGLE_INSTANCE"
  tags                       = local.tags
}

module "registry" {
  source       = "../../modules/registry"
  repositories = ["taskflow", "taskflow-gateway"]
  tags         = local.tags
}

module "storage" {
  source        = "../../modules/storage"
  bucket_name   = local.attachments_bucket
  force_destroy = true
  tags          = local.tags
}

module "mail" {
  source          = "../../modules/mail"
  domain          = var.domain
  route53_zone_id = var.route53_zone_id
  tags            = local.tags
}

module "secrets" {
  source                  = "../../modules/secrets"
  name_prefix             = "taskflow/${local.environment}"
  database_url            = module.database.url
  redis_url               = module.cache.url
  amqp_url                = module.broker.url
  rabbitmq_management_url = module.broker.management_url
  rabbitmq_amqp_port      = module.broker.amqp_port
  rabbitmq_username       = module.broker.username
  rabbitmq_password       = module.broker.password
  recovery_window_days    = 0
  tags                    = local.tags
}

module "iam" {
  source                      = "../../modules/iam"
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
  source                    = "../../modules/knative"
  aws_region                = var.aws_region
  domain                    = var.domain
  app_namespace             = local.app_namespace
  external_secrets_role_arn = module.iam.external_secrets_role_arn
  acme_email                = var.acme_email
  # Controllers need nodes, and the cluster's add-ons, before anything is installed.
  cluster_ready = module.eks.ready
}
