# The stack's outputs (described in modules/stack/outputs.tf), all but those only the providers read.

output "aws_region" { value = module.stack.aws_region }
output "cluster_name" { value = module.stack.cluster_name }
output "kubeconfig_command" { value = module.stack.kubeconfig_command }
output "image_repositories" { value = module.stack.image_repositories }
output "ecr_registry" { value = module.stack.ecr_registry }
output "app_namespace" { value = module.stack.app_namespace }
output "app_secret_name" { value = module.stack.app_secret_name }
output "app_secret_arn" { value = module.stack.app_secret_arn }
output "rabbitmq_secret_name" { value = module.stack.rabbitmq_secret_name }
output "cluster_secret_store_name" { value = module.stack.cluster_secret_store_name }
output "functions_role_arn" { value = module.stack.functions_role_arn }
output "external_secrets_role_arn" { value = module.stack.external_secrets_role_arn }
output "deploy_role_arn" { value = module.stack.deploy_role_arn }
output "attachments_bucket" { value = module.stack.attachments_bucket }
output "attachments_origin" { value = module.stack.attachments_origin }
output "app_config" { value = module.stack.app_config }
output "ses_dkim_records" { value = module.stack.ses_dkim_records }
output "ingress_service" { value = module.stack.ingress_service }
output "cluster_issuer" { value = module.stack.cluster_issuer }
output "jwt_public_key_pem" { value = module.stack.jwt_public_key_pem }
