package orka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// ExecConfig is a command that prints an Orka token, run with no person present: a secrets
// manager's CLI, a script around a vault, or a Kubernetes credential plugin.
type ExecConfig struct {
	Command string
	Args    []string
	// Env is added to the provider's own environment.
	Env map[string]string
	// Timeout bounds one run; 0 means DefaultExecTimeout.
	Timeout time.Duration
	// Now is the clock that decides when the token is stale; nil means time.Now.
	Now func() time.Time
}

// DefaultExecTimeout bounds one run of a token command.
const DefaultExecTimeout = 2 * time.Minute

// execRenewBefore is how long before its expiry a token from a command is replaced, so that a
// request never leaves with a token that dies on the way.
const execRenewBefore = time.Minute

// maxExecOutput bounds what is read from the command: a token is a few kilobytes.
const maxExecOutput = 1 << 20

// NewExecTokenSource returns a source that runs cfg's command and reads a token from its
// standard output: either the token itself (surrounding white space ignored; its JWT `exp`, if
// any, is its expiry) or a Kubernetes ExecCredential (`{"kind":"ExecCredential",
// "status":{"token":..., "expirationTimestamp":...}}`, as credential plugins print). The token
// is kept until a minute before its expiry, or until Orka rejects it, and the command is run
// again then. Nothing the command prints reaches an error message: a failure shows the exit
// status and standard error with the token (if any was read) scrubbed.
func NewExecTokenSource(cfg ExecConfig) (TokenSource, error) {
	if strings.TrimSpace(cfg.Command) == "" {
		return nil, errors.New("the token command is empty")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultExecTimeout
	}
	desc := fmt.Sprintf("the exec command %q", cfg.Command)
	return &renewingSource{
		describe:    desc,
		now:         now,
		renewBefore: execRenewBefore,
		mint: func(ctx context.Context) (Token, error) {
			t, err := runTokenCommand(ctx, cfg, timeout)
			if err != nil {
				return Token{}, &TokenSourceError{Source: desc, Err: err}
			}
			return t, nil
		},
	}, nil
}

func runTokenCommand(ctx context.Context, cfg ExecConfig, timeout time.Duration) (Token, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.Command, cfg.Args...) //nolint:gosec // the user's own command
	cmd.Env = os.Environ()
	for k, v := range cfg.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr limitedBuffer
	stdout.max, stderr.max = maxExecOutput, 4<<10
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	tok, parseErr := parseCommandToken(stdout.Bytes())
	if runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if tok.Value != "" {
			msg = strings.ReplaceAll(msg, tok.Value, redacted)
		}
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return Token{}, fmt.Errorf("the command did not finish within %s", timeout)
		}
		if msg != "" {
			return Token{}, fmt.Errorf("the command failed (%w): %s", runErr, excerpt([]byte(msg)))
		}
		return Token{}, fmt.Errorf("the command failed (%w) and wrote nothing to standard error", runErr)
	}
	if parseErr != nil {
		return Token{}, parseErr
	}
	return tok, nil
}

// parseCommandToken reads a plain token or an ExecCredential. Errors never quote the output.
func parseCommandToken(out []byte) (Token, error) {
	s := bytes.TrimSpace(out)
	if len(s) == 0 {
		return Token{}, errors.New("the command printed nothing on standard output; it must print a token, " +
			"or a Kubernetes ExecCredential JSON object")
	}
	if s[0] == '{' {
		var cred struct {
			Kind   string `json:"kind"`
			Status *struct {
				Token               string `json:"token"`
				ExpirationTimestamp string `json:"expirationTimestamp"`
			} `json:"status"`
		}
		if err := json.Unmarshal(s, &cred); err != nil {
			return Token{}, errors.New("the command printed JSON that could not be read as a Kubernetes ExecCredential")
		}
		if cred.Status == nil || strings.TrimSpace(cred.Status.Token) == "" {
			return Token{}, errors.New("the command printed an ExecCredential without status.token " +
				"(client certificates are not supported: Orka takes bearer tokens)")
		}
		t := Token{Value: strings.TrimSpace(cred.Status.Token)}
		if ts := cred.Status.ExpirationTimestamp; ts != "" {
			exp, err := time.Parse(time.RFC3339, ts)
			if err != nil {
				return Token{}, fmt.Errorf("the ExecCredential's status.expirationTimestamp %q is not an RFC 3339 time", ts)
			}
			t.Expiry = exp
		} else if c, err := ParseTokenClaims(t.Value); err == nil {
			t.Expiry = c.ExpiresAt
		}
		return t, nil
	}
	if bytes.ContainsAny(s, " \t\r\n") {
		return Token{}, errors.New("the command printed more than one word; it must print only the token " +
			"(or a Kubernetes ExecCredential JSON object)")
	}
	t := Token{Value: string(s)}
	if c, err := ParseTokenClaims(t.Value); err == nil {
		t.Expiry = c.ExpiresAt
	}
	return t, nil
}

// limitedBuffer keeps at most max bytes and silently drops the rest, so that a runaway
// command cannot exhaust memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			_, _ = b.Buffer.Write(p[:room])
		} else {
			_, _ = b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
