output "identity_arn" {
  description = "ARN of the SES domain identity (the only identity the functions may send as)."
  value       = aws_sesv2_email_identity.domain.arn
}

output "dkim_records" {
  description = "The DKIM CNAME records (name => value) to publish when route53_zone_id is null."
  value = {
    for token in aws_sesv2_email_identity.domain.dkim_signing_attributes[0].tokens :
    "${token}._domainkey.${var.domain}" => "${token}.dkim.amazonses.com"
  }
}

output "sender" {
  description = "TASKFLOW_MAIL_SENDER: display name and address in the verified domain."
  value       = "${var.sender_display_name} <${var.sender_local_part}@${var.domain}>"
}

output "sender_address" {
  description = "The bare sender address (the ses:FromAddress the functions may use)."
  value       = "${var.sender_local_part}@${var.domain}"
}
