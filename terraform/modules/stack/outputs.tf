output "aws_region" {
  description = "Region TaskFlow runs in."
  value       = var.aws_region
}

output "cluster_name" {
  description = "EKS cluster name (AWS_EKS_CLUSTER for the deploy workflow)."
  value       = module.eks.cluster_name
}

output "kubeconfig_command" {
  description = "Command that points kubectl at the cluster."
  value       = "aws eks update-kubeconfig --region ${var.aws_region} --name ${module.eks.cluster_name}"
}

output "image_repositories" {
  description = "ECR repositories by name: taskflow (every function, the relay, migrations) and taskflow-gateway."
  value       = module.registry.repository_urls
}

output "ecr_registry" {
  description = "Registry host the images are pushed to."
  value       = "${module.registry.registry_id}.dkr.ecr.${var.aws_region}.amazonaws.com"
}

output "app_namespace" {
  description = "Namespace of TaskFlow's workloads."
  value       = module.knative.app_namespace
}

output "app_secret_name" {
  description = "Secrets Manager secret holding TASKFLOW_DATABASE_URL, TASKFLOW_REDIS_URL, TASKFLOW_AMQP_URL and TASKFLOW_JWT_PRIVATE_KEY (the ExternalSecret's remote key)."
  value       = module.secrets.app_secret_name
}

output "app_secret_arn" {
  description = "ARN of the application secret."
  value       = module.secrets.app_secret_arn
}

output "rabbitmq_secret_name" {
  description = "Secrets Manager secret with uri (management API), port, ssl, username and password of the broker: the connection secret of RabbitmqBrokerConfig and RabbitmqSource."
  value       = module.secrets.rabbitmq_secret_name
}

output "cluster_secret_store_name" {
  description = "ClusterSecretStore the ExternalSecrets reference."
  value       = module.knative.cluster_secret_store_name
}

output "functions_role_arn" {
  description = "IRSA role for the taskflow-functions service account (annotation eks.amazonaws.com/role-arn)."
  value       = module.iam.functions_role_arn
}

output "external_secrets_role_arn" {
  description = "IRSA role of the External Secrets Operator."
  value       = module.iam.external_secrets_role_arn
}

output "deploy_role_arn" {
  description = "Role GitHub Actions assumes (AWS_DEPLOY_ROLE_ARN); null without github_repository."
  value       = module.iam.deploy_role_arn
}

output "attachments_bucket" {
  description = "S3 bucket for attachments (TASKFLOW_ATTACHMENTS_BUCKET)."
  value       = module.storage.bucket_name
}

output "attachments_origin" {
  description = "Origin of the attachments bucket, which the gateway's Content-Security-Policy allows (TASKFLOW_ATTACHMENTS_ORIGIN)."
  value       = module.storage.origin
}

output "app_config" {
  description = "Non-secret TASKFLOW_* settings for the ConfigMap."
  value = {
    TASKFLOW_ENV                = var.environment == "prod" ? "prod" : "test"
    TASKFLOW_AWS_REGION         = var.aws_region
    TASKFLOW_MAIL_SENDER        = module.mail.sender
    TASKFLOW_PUBLIC_URL         = "https://${var.domain}"
    TASKFLOW_ATTACHMENTS_BUCKET = module.storage.bucket_name
  }
}

output "ses_dkim_records" {
  description = "DKIM CNAME records of the SES identity (already created when route53_zone_id is set)."
  value       = module.mail.dkim_records
}

output "ingress_service" {
  description = "namespace/name of the ingress-nginx load balancer Service; point the domain's record at its address."
  value       = module.knative.ingress_service
}

output "cluster_issuer" {
  description = "ClusterIssuer that issues the Ingress's certificate; null without acme_email."
  value       = module.knative.cluster_issuer
}

output "jwt_public_key_pem" {
  description = "Public key that verifies access tokens (also served by the JWKS endpoint)."
  value       = module.secrets.jwt_public_key_pem
}

# For the environments' providers.

output "tags" {
  description = "Tags of every resource (the environments' AWS provider also applies them as default tags)."
  value       = local.tags
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint of the cluster (the helm and kubectl providers)."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the cluster's API (the helm and kubectl providers)."
  value       = module.eks.cluster_certificate_authority_data
}
