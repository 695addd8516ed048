package orka

import (
	"context"
	"errors"
	"sync"
	"time"
)

// TokenSource hands the client the bearer token of each request. A static token is one
// source; the others (ExecTokenSource, EKSTokenSource) mint tokens themselves, so that an
// unattended run (Terraform Cloud, a scheduled pipeline) needs no person to paste a token and
// survives a token that expires in the middle of a long apply.
type TokenSource interface {
	// Token returns the token to send now, minting a new one when the last is about to expire.
	Token(ctx context.Context) (Token, error)
	// Renew is told that Orka answered 401 to the token rejected. It reports whether the next
	// Token call gets a different token, so that the request is worth sending once more.
	Renew(rejected string) bool
	// Current is the token last handed out, "" before the first.
	Current() string
	// Describe names the source for people, such as `the exec command "orka-token"`.
	Describe() string
}

// Token is one bearer token and what is known of its lifetime.
type Token struct {
	Value string
	// Expiry is when the token stops working; zero when unknown or never.
	Expiry time.Time
}

// staticSource is the token of the provider's `token` argument (or ORKA_TOKEN): it cannot be
// renewed, so a 401 is final.
type staticSource struct{ tok Token }

// StaticTokenSource returns a source that always hands out token. Its expiry is read from the
// token's JWT `exp` claim when it has one (never verified).
func StaticTokenSource(token string) TokenSource {
	t := Token{Value: token}
	if c, err := ParseTokenClaims(token); err == nil {
		t.Expiry = c.ExpiresAt
	}
	return &staticSource{tok: t}
}

func (s *staticSource) Token(context.Context) (Token, error) { return s.tok, nil }
func (s *staticSource) Renew(string) bool                    { return false }
func (s *staticSource) Current() string                      { return s.tok.Value }
func (s *staticSource) Describe() string                     { return "the configured token" }

// renewingSource caches what mint returns until renewBefore ahead of its expiry (or until Orka
// rejects it), then mints again. Minting is serialized: concurrent requests that find the
// cache stale wait for one new token instead of running the command (or signing) many times.
type renewingSource struct {
	mint        func(ctx context.Context) (Token, error)
	describe    string
	now         func() time.Time
	renewBefore time.Duration

	mu  sync.Mutex
	cur Token
	ok  bool // cur holds a token that Orka has not rejected
	// rejected is the last token Orka rejected. When minting again gives that same token
	// (a command that keeps printing it, credentials nobody renewed), it is still sent once
	// more, since a 401 may be a stray one, but until sameUntil a further 401 to it neither
	// mints again nor resends: every failing request would otherwise run the command again.
	rejected  string
	same      string
	sameUntil time.Time
}

// sameTokenPause is how long a source that minted again only the token Orka had just
// rejected is left alone before a 401 makes it mint once more (someone may renew the
// credential behind it meanwhile).
const sameTokenPause = time.Minute

func (s *renewingSource) Token(ctx context.Context) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ok && (s.cur.Expiry.IsZero() || s.now().Before(s.cur.Expiry.Add(-s.renewBefore))) {
		return s.cur, nil
	}
	t, err := s.mint(ctx)
	if err != nil {
		return Token{}, err
	}
	// A token that is already within renewBefore of its expiry is still used for this
	// request: minting again at once would give one just as short.
	s.cur, s.ok = t, true
	if t.Value == s.rejected {
		s.same, s.sameUntil = t.Value, s.now().Add(sameTokenPause)
	}
	return t, nil
}

func (s *renewingSource) Renew(rejected string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rejected == s.same && s.now().Before(s.sameUntil) {
		// Minting again gave this very token a moment ago: the 401 stands.
		return false
	}
	if s.cur.Value == rejected {
		s.ok, s.rejected = false, rejected
	}
	// Either the rejected token is dropped now or another request already replaced it.
	return true
}

// accepted is told that Orka accepted token when it was sent again after a 401: the 401 was
// a stray one, so a later 401 to that token may mint again at once, and minting it again later
// (at its expiry) is no sign of a rejected credential.
func (s *renewingSource) accepted(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.same == token {
		s.same = ""
	}
	if s.rejected == token {
		s.rejected = ""
	}
}

func (s *renewingSource) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.Value
}

func (s *renewingSource) Describe() string { return s.describe }

// TokenSourceError is a token source that could not produce a token (a command that failed,
// no AWS credentials): no request was sent.
type TokenSourceError struct {
	Source string
	Err    error
}

func (e *TokenSourceError) Error() string {
	return "getting an Orka token from " + e.Source + ": " + e.Err.Error() + " (no request was sent)"
}

func (e *TokenSourceError) Unwrap() error { return e.Err }

// IsTokenSourceFailure reports that the token source, not Orka, failed.
func IsTokenSourceFailure(err error) bool {
	_, ok := asTokenSourceError(err)
	return ok
}

func asTokenSourceError(err error) (*TokenSourceError, bool) {
	var e *TokenSourceError
	ok := errors.As(err, &e)
	return e, ok
}
