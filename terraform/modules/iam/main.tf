data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  issuer = trimprefix(var.oidc_issuer_url, "https://")
}

# One trust policy per service account: only that account's tokens may assume the role.
data "aws_iam_policy_document" "functions_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.app_namespace}:${var.functions_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "functions" {
  name               = "${var.name}-functions"
  description        = "TaskFlow functions: send mail as the SES identity, read and write attachments"
  assume_role_policy = data.aws_iam_policy_document.functions_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "functions" {
  statement {
    sid       = "SendMailAsTheDomainOnly"
    actions   = ["ses:SendEmail"]
    resources = [var.ses_identity_arn]
    condition {
      test     = "StringEquals"
      variable = "ses:FromAddress"
      values   = [var.sender_address]
    }
  }
  statement {
    sid       = "ListAttachments"
    actions   = ["s3:ListBucket"]
    resources = [var.attachments_bucket_arn]
  }
  statement {
    sid       = "ReadWriteAttachments"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${var.attachments_bucket_arn}/*"]
  }
  statement {
    sid       = "UseTheAttachmentsKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.attachments_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "functions" {
  name   = "taskflow-functions"
  role   = aws_iam_role.functions.id
  policy = data.aws_iam_policy_document.functions.json
}

data "aws_iam_policy_document" "external_secrets_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${var.external_secrets_namespace}:${var.external_secrets_service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "external_secrets" {
  name               = "${var.name}-external-secrets"
  description        = "External Secrets Operator: read TaskFlow's secrets"
  assume_role_policy = data.aws_iam_policy_document.external_secrets_trust.json
  tags               = var.tags
}

data "aws_iam_policy_document" "external_secrets" {
  statement {
    sid       = "ReadTaskFlowSecretsOnly"
    actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = var.readable_secret_arns
  }
  statement {
    sid       = "DecryptTaskFlowSecrets"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "external_secrets" {
  name   = "read-taskflow-secret"
  role   = aws_iam_role.external_secrets.id
  policy = data.aws_iam_policy_document.external_secrets.json
}

# CI: GitHub Actions of the main branch's deploy environment push images and deploy.
resource "aws_iam_openid_connect_provider" "github" {
  count          = var.github_repository != null && var.create_github_oidc_provider ? 1 : 0
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
  # IAM trusts GitHub's issuer through its own CA store; the thumbprint is only a formality.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = var.tags
}

locals {
  github_provider_arn = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

data "aws_iam_policy_document" "deploy_trust" {
  count = var.github_repository == null ? 0 : 1
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:environment:${var.github_environment}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  count              = var.github_repository == null ? 0 : 1
  name               = "${var.name}-github-deploy"
  description        = "GitHub Actions: push TaskFlow images and deploy to the cluster"
  assume_role_policy = data.aws_iam_policy_document.deploy_trust[0].json
  tags               = var.tags
  depends_on         = [aws_iam_openid_connect_provider.github]
}

data "aws_iam_policy_document" "deploy" {
  count = var.github_repository == null ? 0 : 1
  statement {
    sid       = "LogInToTheRegistry"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource-level permissions
  }
  statement {
    sid = "PushTaskFlowImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }
  statement {
    sid       = "FindTheCluster"
    actions   = ["eks:DescribeCluster"]
    resources = [var.cluster_arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  count  = var.github_repository == null ? 0 : 1
  name   = "push-and-deploy"
  role   = aws_iam_role.deploy[0].id
  policy = data.aws_iam_policy_document.deploy[0].json
}

# kubectl apply -k knative/overlays/<env> also applies cluster-scoped objects (the Namespace)
# and custom kinds the namespace admin role does not aggregate; the role itself is trusted
# only from the repository's deploy environment, which can require a reviewer.
resource "aws_eks_access_entry" "deploy" {
  count         = var.github_repository == null ? 0 : 1
  cluster_name  = var.cluster_name
  principal_arn = aws_iam_role.deploy[0].arn
  tags          = var.tags
}

resource "aws_eks_access_policy_association" "deploy" {
  count         = var.github_repository == null ? 0 : 1
  cluster_name  = var.cluster_name
  principal_arn = aws_eks_access_entry.deploy[0].principal_arn
  policy_arn    = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}
