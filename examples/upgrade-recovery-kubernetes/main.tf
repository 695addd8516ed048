# Custom Kubernetes pods and services next to the Orka resources they serve. A
# virtualization/orchestration layer upgrade loses them (with the VMs and registry
# credentials); after it, the same one `terraform apply` recreates all of them.
#
# The official kubernetes provider reaches the cluster's Kubernetes API with what
# `data.orka_cluster` reads from Orka's cluster-info. Orka authentication is Kubernetes
# authentication, so the token Orka accepts (ORKA_TOKEN) is given to it as well.
# Not validated by the project's tests: it needs the hashicorp/kubernetes provider from the
# registry (only format-checked; see scripts/examples-check.sh).

terraform {
  required_providers {
    orka = {
      source = "orkatf/orka"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.35"
    }
  }
}

# ORKA_ENDPOINT and ORKA_TOKEN configure this provider.
provider "orka" {}

variable "kubernetes_token" {
  description = "The token for the cluster's Kubernetes API: the same value as ORKA_TOKEN (set TF_VAR_kubernetes_token)."
  type        = string
  sensitive   = true
}

data "orka_cluster" "this" {}

provider "kubernetes" {
  host                   = data.orka_cluster.this.kubernetes_endpoint
  cluster_ca_certificate = data.orka_cluster.this.kubernetes_ca_certificate
  token                  = var.kubernetes_token
}

# Custom pods run only in namespaces that allow them. Namespaces survive every upgrade.
resource "orka_namespace" "ci" {
  name               = "orka-ci"
  enable_custom_pods = true
}

# A new namespace holds no nodes: its VMs run only on nodes moved into it.
resource "orka_node" "ci" {
  name      = "mini-arm-1"
  namespace = orka_namespace.ci.name
}

resource "orka_vm_config" "runner" {
  name  = "ci-runner"
  image = "ghcr.io/acme/macos-runner:sonoma"
  cpu   = 4
}

# Deleted by layer and (possibly) release upgrades; redeployed under the same name.
resource "orka_vm" "runner" {
  namespace = orka_namespace.ci.name
  name      = "ci-runner-1"
  vm_config = orka_vm_config.runner.name

  depends_on = [orka_node.ci]
}

# A package cache the runner VMs use. Lost in a layer upgrade: the kubernetes provider finds
# it gone when Terraform refreshes, and the same apply creates it again.
resource "kubernetes_pod_v1" "package_cache" {
  metadata {
    name      = "package-cache"
    namespace = orka_namespace.ci.name
    labels = {
      app = "package-cache"
    }
  }
  spec {
    container {
      name  = "cache"
      image = "ghcr.io/acme/package-cache:1.4"
      port {
        container_port = 8080
      }
    }
  }
}

# Lost with the pod in a layer upgrade, recreated by the same apply.
resource "kubernetes_service_v1" "package_cache" {
  metadata {
    name      = "package-cache"
    namespace = orka_namespace.ci.name
  }
  spec {
    selector = {
      app = kubernetes_pod_v1.package_cache.metadata[0].labels.app
    }
    port {
      port        = 80
      target_port = 8080
    }
  }
}
