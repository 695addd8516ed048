data "orka_cluster" "this" {}

# Warn, without failing the run, when the API is down or the token was invalidated by an upgrade.
check "orka_api_healthy" {
  assert {
    condition     = data.orka_cluster.this.reachable && coalesce(data.orka_cluster.this.token_accepted, false)
    error_message = "The Orka API is unreachable or rejected the token; after an upgrade, regenerate the service-account token."
  }
}
