locals {
  github = "https://github.com"
  # Release manifests, each pinned to an exact tag.
  manifests = {
    rabbitmq-cluster-operator  = "${local.github}/rabbitmq/cluster-operator/releases/download/${var.rabbitmq_cluster_operator_version}/cluster-operator.yml"
    rabbitmq-topology-operator = "${local.github}/rabbitmq/messaging-topology-operator/releases/download/${var.rabbitmq_topology_operator_version}/messaging-topology-operator-with-certmanager.yaml"
    eventing-rabbitmq-broker   = "${local.github}/knative-extensions/eventing-rabbitmq/releases/download/${var.eventing_rabbitmq_version}/rabbitmq-broker.yaml"
    eventing-rabbitmq-source   = "${local.github}/knative-extensions/eventing-rabbitmq/releases/download/${var.eventing_rabbitmq_version}/rabbitmq-source.yaml"
  }
}

resource "helm_release" "cert_manager" {
  depends_on       = [terraform_data.cluster_ready]
  name             = "cert-manager"
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = var.cert_manager_chart_version
  namespace        = "cert-manager"
  create_namespace = true
  atomic           = true
  timeout          = 600

  set {
    name  = "crds.enabled"
    value = "true"
  }
}

resource "helm_release" "external_secrets" {
  depends_on       = [terraform_data.cluster_ready]
  name             = "external-secrets"
  repository       = "https://charts.external-secrets.io"
  chart            = "external-secrets"
  version          = var.external_secrets_chart_version
  namespace        = var.external_secrets_namespace
  create_namespace = true
  atomic           = true
  timeout          = 600

  set {
    name  = "installCRDs"
    value = "true"
  }
  set {
    name  = "serviceAccount.name"
    value = var.external_secrets_service_account
  }
  set {
    name  = "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn"
    value = var.external_secrets_role_arn
  }
}

# Every ExternalSecret in the cluster reads AWS Secrets Manager through the operator's role,
# which may read TaskFlow's two secrets and nothing else.
resource "kubectl_manifest" "cluster_secret_store" {
  yaml_body = yamlencode({
    apiVersion = "external-secrets.io/v1beta1"
    kind       = "ClusterSecretStore"
    metadata   = { name = var.cluster_secret_store_name }
    spec = {
      provider = {
        aws = {
          # No auth block: the controller's own credentials, from its IRSA role.
          service = "SecretsManager"
          region  = var.aws_region
        }
      }
    }
  })
  depends_on = [helm_release.external_secrets]
}

# The gateway's Ingress (class nginx) is served by ingress-nginx behind an internet-facing NLB.
resource "helm_release" "ingress_nginx" {
  depends_on       = [terraform_data.cluster_ready]
  name             = "ingress-nginx"
  repository       = "https://kubernetes.github.io/ingress-nginx"
  chart            = "ingress-nginx"
  version          = var.ingress_nginx_chart_version
  namespace        = "ingress-nginx"
  create_namespace = true
  atomic           = true
  timeout          = 600

  set {
    name  = "controller.service.annotations.service\\.beta\\.kubernetes\\.io/aws-load-balancer-type"
    value = "nlb"
  }
  set {
    name  = "controller.service.annotations.service\\.beta\\.kubernetes\\.io/aws-load-balancer-scheme"
    value = "internet-facing"
  }
  set {
    name  = "controller.ingressClassResource.default"
    value = "true"
  }
}

# Let's Encrypt certificates for Ingresses annotated cert-manager.io/cluster-issuer: letsencrypt.
resource "kubectl_manifest" "letsencrypt" {
  count = var.acme_email == null ? 0 : 1
  yaml_body = yamlencode({
    apiVersion = "cert-manager.io/v1"
    kind       = "ClusterIssuer"
    metadata   = { name = "letsencrypt" }
    spec = {
      acme = {
        email               = var.acme_email
        server              = "https://acme-v02.api.letsencrypt.org/directory"
        privateKeySecretRef = { name = "letsencrypt-account-key" }
        solvers             = [{ http01 = { ingress = { ingressClassName = "nginx" } } }]
      }
    }
  })
  depends_on = [helm_release.cert_manager, helm_release.ingress_nginx]
}

resource "helm_release" "knative_operator" {
  depends_on       = [terraform_data.cluster_ready]
  name             = "knative-operator"
  repository       = "https://knative.github.io/operator"
  chart            = "knative-operator"
  version          = var.knative_operator_chart_version
  namespace        = "knative-operator"
  create_namespace = true
  atomic           = true
  timeout          = 600
}

resource "kubectl_manifest" "knative_namespaces" {
  for_each   = toset(["knative-serving", "knative-eventing"])
  depends_on = [terraform_data.cluster_ready]
  yaml_body = yamlencode({
    apiVersion = "v1"
    kind       = "Namespace"
    metadata   = { name = each.value }
  })
}

resource "kubectl_manifest" "knative_serving" {
  yaml_body = yamlencode({
    apiVersion = "operator.knative.dev/v1beta1"
    kind       = "KnativeServing"
    metadata   = { name = "knative-serving", namespace = "knative-serving" }
    spec = {
      version = var.knative_version
      # Functions are reached through the gateway's Ingress, not from outside: no second load balancer.
      ingress = { kourier = { enabled = true, "service-type" = "ClusterIP" } }
      config = {
        network = { "ingress-class" = "kourier.ingress.networking.knative.dev" }
        domain  = { (var.domain) = "" }
        # Scale to zero is the default; the route table's hints set each Service's bounds.
        autoscaler = { "enable-scale-to-zero" = "true" }
        # The live notification stream stays open up to an hour (its timeoutSeconds), and one
        # instance holds up to 10,000 of them (its containerConcurrency; the default cap is 1000).
        defaults = {
          "max-revision-timeout-seconds"    = "3600"
          "container-concurrency-max-limit" = "10000"
        }
        features = {
          "kubernetes.podspec-securitycontext"  = "enabled"
          "kubernetes.podspec-volumes-emptydir" = "enabled"
          "secure-pod-defaults"                 = "enabled"
        }
      }
    }
  })
  depends_on = [helm_release.knative_operator, kubectl_manifest.knative_namespaces]
}

resource "kubectl_manifest" "knative_eventing" {
  yaml_body = yamlencode({
    apiVersion = "operator.knative.dev/v1beta1"
    kind       = "KnativeEventing"
    metadata   = { name = "knative-eventing", namespace = "knative-eventing" }
    spec = {
      version = var.knative_version
    }
  })
  depends_on = [helm_release.knative_operator, kubectl_manifest.knative_namespaces]
}

data "http" "manifest" {
  for_each = local.manifests
  url      = each.value

  lifecycle {
    postcondition {
      condition     = self.status_code == 200
      error_message = "Could not fetch ${each.value}."
    }
  }
}

locals {
  # Each release file split into its documents, keyed by release, kind, namespace and name
  # (known at plan time, so for_each can use them); comment-only chunks decode to null.
  documents = merge([
    for release, response in data.http.manifest : {
      for document in [for chunk in split("\n---", response.response_body) : try(yamldecode(chunk), null)] :
      "${release}:${document.kind}:${try(document.metadata.namespace, "")}:${document.metadata.name}" => {
        release = release
        body    = yamlencode(document)
      }
      if document != null
    }
  ]...)
}

# Not a module-level depends_on: that would defer the manifests' data sources to apply time
# and leave for_each without keys. Resources wait for the nodes and add-ons through this.
resource "terraform_data" "cluster_ready" {
  input = var.cluster_ready
}

resource "kubectl_manifest" "rabbitmq_operators" {
  for_each = { for key, document in local.documents : key => document.body if startswith(document.release, "rabbitmq-") }
  # Server-side apply: some CRDs exceed the annotation that client-side apply keeps.
  server_side_apply = true
  force_conflicts   = true
  yaml_body         = each.value
  depends_on        = [helm_release.cert_manager]
}

resource "kubectl_manifest" "eventing_rabbitmq" {
  for_each          = { for key, document in local.documents : key => document.body if startswith(document.release, "eventing-rabbitmq-") }
  server_side_apply = true
  force_conflicts   = true
  yaml_body         = each.value
  depends_on        = [kubectl_manifest.knative_eventing, kubectl_manifest.rabbitmq_operators]
}
