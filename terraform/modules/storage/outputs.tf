output "bucket_name" {
  description = "Name of the attachments bucket."
  value       = aws_s3_bucket.attachments.id
}

output "bucket_arn" {
  description = "ARN of the attachments bucket."
  value       = aws_s3_bucket.attachments.arn
}

output "kms_key_arn" {
  description = "KMS key that encrypts the attachments."
  value       = aws_kms_key.attachments.arn
}

output "origin" {
  description = "Origin browsers upload attachments to and download them from (the bucket's regional host)."
  value       = "https://${aws_s3_bucket.attachments.bucket_regional_domain_name}"
}
