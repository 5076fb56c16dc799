output "app_namespace" {
  description = "Namespace of TaskFlow's workloads."
  value       = var.app_namespace
}

output "cluster_secret_store_name" {
  description = "ClusterSecretStore the ExternalSecrets reference."
  value       = var.cluster_secret_store_name
}

output "ingress_service" {
  description = "namespace/name of the ingress-nginx load balancer Service: the domain's record points at its address."
  value       = "ingress-nginx/ingress-nginx-controller"
}

output "cluster_issuer" {
  description = "ClusterIssuer for the Ingress's certificate (cert-manager.io/cluster-issuer annotation); null without acme_email."
  value       = one(kubectl_manifest.letsencrypt[*].name)
}
