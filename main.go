// Command terraform-provider-orka is the Terraform provider for MacStadium Orka 3.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

	"github.com/orkatf/terraform-provider-orka/internal/provider"
)

// version is set at build time with -ldflags "-X main.version=1.2.3" (GoReleaser does this).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	tuneGC(os.Getenv)
	if err := quietLogsNobodyReads(debug); err != nil {
		log.Fatal(err.Error())
	}
	var opts []tf6server.ServeOpt
	if debug {
		opts = append(opts, tf6server.WithManagedDebug())
	} else {
		exitWithParent(parentPollInterval, os.Getppid, exitNow)
	}
	if err := tf6server.Serve("registry.terraform.io/orkatf/orka", provider.NewServer(version), opts...); err != nil {
		log.Fatal(err.Error())
	}
}
