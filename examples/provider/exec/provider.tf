# A command that prints the token (here from HashiCorp Vault), run again before the token
# expires and whenever Orka rejects it.
provider "orka" {
  endpoint = "https://acme.orka.app"

  exec = {
    command = "vault"
    args    = ["kv", "get", "-field=token", "secret/orka/ci"]
    env = {
      VAULT_ADDR = "https://vault.example.com"
    }
  }
}
