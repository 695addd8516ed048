package orkasim

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// EKS IAM tokens (orka-api.md §10): Orka on AWS accepts the tokens of aws-iam-authenticator, a
// presigned STS GetCallerIdentity URL signed over the header x-k8s-aws-id = <cluster name>,
// base64url behind "k8s-aws-v1.". A real cluster replays the URL to STS, which checks the
// signature and answers with the caller's ARN, and maps the ARN to a Kubernetes user. The
// simulator calls no AWS service: it plays STS itself, with the secret keys it was given
// (EKSIdentity), so that it checks exactly what STS would (the signature, and with it the
// cluster name and every signed parameter) and then maps the access key to a subject.

// eksTokenPrefix starts every EKS IAM token.
const eksTokenPrefix = "k8s-aws-v1." //nolint:gosec // a format prefix, not a credential

// eksTokenLifetime is how long after its X-Amz-Date a token is accepted (aws-iam-authenticator's
// 15 minutes).
const eksTokenLifetime = 15 * time.Minute

// eksClockSkew is how far in the future a token's X-Amz-Date may lie.
const eksClockSkew = 5 * time.Minute

// emptyPayloadHash is the SHA-256 of an empty body, which a presigned GET is signed over.
const emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// stsHost is an STS endpoint: the global one or a regional one (China's included).
var stsHost = regexp.MustCompile(`^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$`)

// EKSIdentity maps an AWS access key to the cluster subject its tokens act as, as an EKS
// access entry (or aws-auth) maps an IAM identity to a Kubernetes user.
type EKSIdentity struct {
	AccessKeyID string `json:"accessKeyId"`
	// SecretAccessKey lets the simulator check signatures as STS would.
	SecretAccessKey string `json:"secretAccessKey"`
	// User is the subject's name, such as "eks-admin" (not starting with "system:").
	User string `json:"user"`
	// Admin makes the subject an administrator (the orka:cluster-admins group).
	Admin bool `json:"admin"`
}

// EKSRequest is the body of POST /_sim/eks.
type EKSRequest struct {
	// Cluster is the EKS cluster name tokens must be signed for; "" keeps the current one.
	Cluster    string        `json:"cluster"`
	Identities []EKSIdentity `json:"identities"`
}

// SetEKS makes the simulator accept EKS IAM tokens signed for cluster (when not "") by the
// given identities, in addition to those already mapped. Reset keeps them: they are the
// cluster's authentication setup, which upgrades do not touch either.
func (s *Server) SetEKS(req EKSRequest) error {
	for _, id := range req.Identities {
		if err := validateEKSIdentity(id); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.Cluster != "" {
		s.eksCluster = req.Cluster
	}
	if s.eksIdentities == nil {
		s.eksIdentities = map[string]EKSIdentity{}
	}
	for _, id := range req.Identities {
		s.eksIdentities[id.AccessKeyID] = id
	}
	return nil
}

func validateEKSIdentity(id EKSIdentity) error {
	switch {
	case id.AccessKeyID == "" || id.SecretAccessKey == "":
		return fmt.Errorf("invalid value for identities: accessKeyId and secretAccessKey are required")
	case id.User == "" || strings.ContainsAny(id.User, " \t\r\n"):
		return fmt.Errorf("invalid value for user: %q: must be a name without spaces", id.User)
	case strings.HasPrefix(id.User, "system:"):
		return fmt.Errorf(`invalid value for user: %q: must not start with "system:"`, id.User)
	}
	return nil
}

// authenticateEKSLocked checks an EKS IAM token and returns the subject it acts as.
func (s *Server) authenticateEKSLocked(tok string) (principal, *apiError) {
	reject := func(format string, a ...any) (principal, *apiError) {
		return principal{}, errorf(http.StatusUnauthorized, "Unauthorized", "Unauthorized: "+format, a...)
	}
	if s.eksCluster == "" {
		return reject("this cluster accepts no EKS IAM tokens")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, eksTokenPrefix))
	if err != nil {
		return reject("the EKS token is malformed: not base64url after %q", eksTokenPrefix)
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Scheme != "https" || !stsHost.MatchString(u.Host) || (u.Path != "/" && u.Path != "") {
		return reject("the EKS token is malformed: not a presigned https://sts.<region>.amazonaws.com/ URL")
	}
	q := u.Query()
	if q.Get("Action") != "GetCallerIdentity" {
		return reject("the EKS token is malformed: it does not presign Action=GetCallerIdentity")
	}
	if q.Get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256" || q.Get("X-Amz-Signature") == "" {
		return reject("the EKS token is malformed: it carries no AWS4-HMAC-SHA256 signature")
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if !contains(signed, "x-k8s-aws-id") || !contains(signed, "host") {
		return reject("the EKS token is malformed: x-k8s-aws-id (the cluster name) is not among its signed headers")
	}
	date, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil {
		return reject("the EKS token is malformed: X-Amz-Date is not a signing time")
	}
	if n, err := strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || n < 1 {
		return reject("the EKS token is malformed: X-Amz-Expires is not a positive number of seconds")
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) != 5 || cred[3] != "sts" || cred[4] != "aws4_request" {
		return reject("the EKS token is malformed: X-Amz-Credential is not <key>/<date>/<region>/sts/aws4_request")
	}
	now := s.now()
	if exp := date.Add(eksTokenLifetime); !now.Before(exp) {
		return reject("the EKS token expired at %s (15 minutes after it was signed)", exp.UTC().Format(time.RFC3339))
	}
	if date.After(now.Add(eksClockSkew)) {
		return reject("the EKS token was signed in the future (%s)", date.Format(time.RFC3339))
	}
	id, ok := s.eksIdentities[cred[0]]
	if !ok {
		return reject("STS does not know the access key that signed the EKS token, or it is mapped to no cluster user")
	}
	if !eksSignatureValid(u, q, s.eksCluster, cred[2], id, date) {
		return reject("the EKS token's signature does not verify for cluster %q: it was signed for another cluster "+
			"or with another key", s.eksCluster)
	}
	return principal{admin: id.Admin, subject: id.User, user: id.User}, nil
}

// eksSignatureValid signs the token's request again, as STS does, with the cluster's own name
// in x-k8s-aws-id, and compares the signatures.
func eksSignatureValid(u *url.URL, q url.Values, cluster, region string, id EKSIdentity, date time.Time) bool {
	want := q.Get("X-Amz-Signature")
	q2 := url.Values{}
	for k, v := range q {
		if k != "X-Amz-Signature" {
			q2[k] = v
		}
	}
	// The request is only signed, never sent.
	r, err := http.NewRequestWithContext(context.Background(), http.MethodGet, //nolint:gosec // never sent
		"https://"+u.Host+"/?"+q2.Encode(), nil)
	if err != nil {
		return false
	}
	r.Header.Set("x-k8s-aws-id", cluster)
	creds := aws.Credentials{AccessKeyID: id.AccessKeyID, SecretAccessKey: id.SecretAccessKey,
		SessionToken: q.Get("X-Amz-Security-Token")}
	signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, emptyPayloadHash, "sts", region, date)
	if err != nil {
		return false
	}
	su, err := url.Parse(signedURL)
	if err != nil {
		return false
	}
	got := su.Query().Get("X-Amz-Signature")
	return hmac.Equal([]byte(got), []byte(want))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ParseEKSIdentity reads ACCESS_KEY_ID:SECRET_ACCESS_KEY:USER[:admin], orkasim's
// --eks-identity.
func ParseEKSIdentity(v string) (EKSIdentity, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 3 || len(parts) > 4 || (len(parts) == 4 && parts[3] != "admin") {
		return EKSIdentity{}, fmt.Errorf("want ACCESS_KEY_ID:SECRET_ACCESS_KEY:USER or ACCESS_KEY_ID:SECRET_ACCESS_KEY:USER:admin")
	}
	id := EKSIdentity{AccessKeyID: parts[0], SecretAccessKey: parts[1], User: parts[2], Admin: len(parts) == 4}
	if err := validateEKSIdentity(id); err != nil {
		return EKSIdentity{}, err
	}
	return id, nil
}
