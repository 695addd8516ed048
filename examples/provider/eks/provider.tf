# Orka on AWS, in an HCP Terraform (Terraform Cloud) workspace with AWS dynamic credentials: no
# Orka token is stored anywhere. Elsewhere, leave shared_config_files out and the AWS SDK's
# usual credentials apply (environment, profile, instance role). ORKA_EKS_CLUSTER_NAME works
# as well.
variable "tfc_aws_dynamic_credentials" {
  description = "Set by HCP Terraform when the workspace's AWS dynamic credentials are on."
  type = object({
    default = object({
      shared_config_file = string
    })
    aliases = map(object({
      shared_config_file = string
    }))
  })
}

provider "orka" {
  endpoint = "https://orka.example.com"

  eks = {
    cluster_name        = "orka-production"
    region              = "us-east-1"
    shared_config_files = [var.tfc_aws_dynamic_credentials.default.shared_config_file]
  }
}
