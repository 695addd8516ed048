// Command terraform-provider-orka is the Terraform provider for MacStadium Orka 3.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/orkatf/terraform-provider-orka/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=1.2.3" (GoReleaser does this).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	if err := quietLogsNobodyReads(debug); err != nil {
		log.Fatal(err.Error())
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/orkatf/orka",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
