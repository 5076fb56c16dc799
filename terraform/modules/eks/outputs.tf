output "cluster_name" {
  description = "Name of the EKS cluster (for `aws eks update-kubeconfig --name`)."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 certificate authority of the API server."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS attaches to the control plane and the managed nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider for IRSA."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer_url" {
  description = "Issuer URL of the cluster's service account tokens."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "secrets_kms_key_arn" {
  description = "KMS key that envelope-encrypts Kubernetes Secrets."
  value       = aws_kms_key.cluster.arn
}

output "ready" {
  description = "Known once the node group and the add-ons exist: installs into the cluster wait for it."
  value       = join(",", concat([aws_eks_node_group.default.arn], [for addon in aws_eks_addon.this : addon.arn]))
}
