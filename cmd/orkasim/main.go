// Command orkasim serves the in-memory Orka 3 API simulator, for demos and for testing
// Terraform configurations against it. It prints the provider's environment on stdout:
//
//	ORKA_ENDPOINT=http://127.0.0.1:PORT
//	ORKA_TOKEN=<admin token>
//	ORKA_CA_CERTIFICATE_FILE=<path>          (only with --tls)
//	ORKA_SMALL_TEAMS_ADMIN_TOKEN=<token>     (only with --small-teams-admin)
//
// and serves until SIGINT or SIGTERM. Request logs go to stderr. The usage text (-h) lists
// the flags and the control routes under /_sim/.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/orkatf/terraform-provider-orka/internal/orkasim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "orkasim:", err)
		os.Exit(1)
	}
}

// usage heads the -h text; the flags follow it.
const usage = `Usage: orkasim [flags]

Serves an in-memory Orka 3 API and prints, once listening:
  ORKA_ENDPOINT=<base URL>
  ORKA_TOKEN=<admin token>
  ORKA_CA_CERTIFICATE_FILE=<path>        (with --tls)
  ORKA_SMALL_TEAMS_ADMIN_TOKEN=<token>   (with --small-teams-admin)

It answers as MacStadium's documents say and no more generously: a deploy answers only
name, node, memory, ip, ssh, vnc, screenshare, status (and portWarnings); memory is rounded
to 0.1 GiB; only administrators delete VMs and VM configs they did not create; an unknown
route answers a plain-text "404 page not found". Where the documents say nothing, a variant
flag picks the answer (all off by default):
  --omit-vm-metadata     VM get and list items carry no customMetadata field
  --sparse-vm-items      VM get and list items carry no namespace, vmConfig or type
  --legacy-image-cache   of .../cache/images only .../{image}/remove is served; add, read
                         and list only on the older .../imagecache routes

Control routes (admin token; not part of Orka):
  POST   /_sim/upgrade      {"type":"release|infrastructure|patch","vms":"all|none|some","maintenance":"0s"}
  POST   /_sim/maintenance  {"duration":"30s"}
  POST   /_sim/faults       {"method","path","status","count","after","retryAfter","delay","dropResponse","maintenance","revokeToken","for","uncache"}
  GET    /_sim/faults       DELETE /_sim/faults
  POST   /_sim/admin-token  {"revoked":false}
  GET    /_sim/requests     DELETE /_sim/requests
  POST   /_sim/reset
  POST   /_sim/users        {"name":"alice@example.com","admin":false} -> {"token":"..."} (a 1-hour user token)
  POST   /_sim/eks          {"cluster":"orka-on-aws","identities":[{"accessKeyId","secretAccessKey","user","admin"}]}
                            (accept EKS IAM tokens signed for that cluster by those AWS keys)
  GET    /_sim/variants     POST /_sim/variants {"omitVMCustomMetadata":true,"sparseVMItems":false,"legacyImageCache":false}
                            (changes only the switches named)

Flags:
`

// run parses args, prints the environment lines to stdout once listening, and serves until
// ctx is done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orkasim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (port 0 picks a free port)")
	token := fs.String("token", "", "admin token (default: random)")
	deployDelay := fs.Duration("deploy-delay", time.Second, "how long a deploy stays Pending before Running")
	nodes := fs.Int("nodes", 4, "number of Apple-silicon nodes")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a fresh self-signed certificate")
	minute := fs.Duration("minute", time.Minute, "length of one minute of a deploy's timeout")
	cacheDelay := fs.Duration("cache-delay", 2*time.Second, "how long an image cache stays Caching before Ready, and Removing before it is gone")
	gpu := fs.Bool("gpu", false, "enable GPU passthrough on the cluster")
	latency := fs.Duration("latency", 0, "delay every API answer by this much (a cluster far away, e.g. from Terraform Cloud)")
	jitter := fs.Duration("latency-jitter", 0, "add a random extra delay of up to this much to every API answer")
	smallTeams := fs.String("small-teams-admin", "", "`namespace/name` of an Orka Small Teams admin service account (e.g. orka-default/orka-admin): created if missing, its tokens act as an administrator, and a token for it is printed as ORKA_SMALL_TEAMS_ADMIN_TOKEN")
	omitMetadata := fs.Bool("omit-vm-metadata", false, "variant: VM get and list items carry no customMetadata field")
	sparseVMs := fs.Bool("sparse-vm-items", false, "variant: VM get and list items carry no namespace, vmConfig or type")
	eksCluster := fs.String("eks-cluster", "", "accept EKS IAM tokens (Orka on AWS) signed for this EKS cluster `name` by an --eks-identity; no AWS service is called")
	var eksIdentities []orkasim.EKSIdentity
	// A malformed value is reported after parsing, by position, not by the flag package, whose
	// message quotes the value and with it the secret access key.
	var eksIdentityErr error
	fs.Func("eks-identity", "map an AWS key to a user for EKS IAM tokens, as `ACCESS_KEY_ID:SECRET_ACCESS_KEY:USER[:admin]` (repeatable; the secret lets the simulator check signatures as STS would)",
		func(v string) error {
			id, err := orkasim.ParseEKSIdentity(v)
			switch {
			case err == nil:
				eksIdentities = append(eksIdentities, id)
			case eksIdentityErr == nil:
				eksIdentityErr = fmt.Errorf("--eks-identity (number %d; value not shown, it holds a secret): %w", len(eksIdentities)+1, err)
			}
			return nil
		})
	legacyCache := fs.Bool("legacy-image-cache", false, "variant: serve only remove of the documented .../cache/images routes; add, read and list only on the older .../imagecache routes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if eksIdentityErr != nil {
		return eksIdentityErr
	}
	if *nodes < 1 {
		return fmt.Errorf("--nodes must be at least 1")
	}
	if len(eksIdentities) > 0 && *eksCluster == "" {
		return fmt.Errorf("--eks-identity needs --eks-cluster")
	}
	if *latency < 0 || *jitter < 0 {
		return fmt.Errorf("--latency and --latency-jitter must not be negative")
	}

	opts := orkasim.Options{
		AdminToken: *token, Nodes: *nodes, DeployDelay: *deployDelay, Minute: *minute,
		CacheDelay: *cacheDelay, GPUPassthrough: *gpu, Latency: *latency, LatencyJitter: *jitter,
		SmallTeamsAdmin: *smallTeams, OmitVMCustomMetadata: *omitMetadata, SparseVMItems: *sparseVMs,
		LegacyImageCache: *legacyCache, EKSCluster: *eksCluster, EKSIdentities: eksIdentities,
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("--small-teams-admin: %w", err)
	}
	sim := orkasim.New(opts)
	logger := log.New(stderr, "orkasim: ", log.LstdFlags)
	srv := &http.Server{Handler: logRequests(sim, logger), ErrorLog: logger, ReadHeaderTimeout: 10 * time.Second}

	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	scheme := "http"
	var caFile string
	if *useTLS {
		cfg, pemBytes, err := orkasim.SelfSignedTLS()
		if err != nil {
			return fmt.Errorf("generating a certificate: %w", err)
		}
		f, err := os.CreateTemp("", "orkasim-ca-*.pem")
		if err != nil {
			return err
		}
		caFile = f.Name()
		defer os.Remove(caFile)
		if _, err := f.Write(pemBytes); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		srv.TLSConfig = cfg
		scheme = "https"
	}

	fmt.Fprintf(stdout, "ORKA_ENDPOINT=%s://%s\n", scheme, endpointHost(ln.Addr()))
	fmt.Fprintf(stdout, "ORKA_TOKEN=%s\n", sim.AdminToken())
	if caFile != "" {
		fmt.Fprintf(stdout, "ORKA_CA_CERTIFICATE_FILE=%s\n", caFile)
	}
	if tok := sim.SmallTeamsAdminToken(); tok != "" {
		fmt.Fprintf(stdout, "ORKA_SMALL_TEAMS_ADMIN_TOKEN=%s\n", tok)
	}

	errc := make(chan error, 1)
	go func() {
		if *useTLS {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Print("shutting down")
	sim.Close() // deploys still waiting answer 503 now instead of holding up the shutdown
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// endpointHost is the listener's address as clients should dial it: a wildcard address
// becomes 127.0.0.1.
func endpointHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := tcp.IP.String()
	if tcp.IP == nil || tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

// logRequests writes one line per request to the logger.
func logRequests(h http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			code := strconv.Itoa(sw.code)
			if sw.hijacked {
				code = "dropped"
			} else if sw.code == 0 {
				code = "aborted"
			}
			logger.Printf("%s %s %s %s", r.Method, r.URL.Path, code, time.Since(start).Round(time.Millisecond))
		}()
		h.ServeHTTP(sw, r)
	})
}

// statusWriter records the status and passes Hijack through (dropResponse faults need it).
type statusWriter struct {
	http.ResponseWriter
	code     int
	hijacked bool
}

func (s *statusWriter) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := s.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("hijacking not supported")
	}
	s.hijacked = true
	return hj.Hijack()
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
