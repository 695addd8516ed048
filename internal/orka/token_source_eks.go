package orka

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// EKS IAM tokens, as MacStadium's TeamCity plugin authenticates to Orka on AWS (orka-api.md
// §10) and as aws-iam-authenticator defines them: a presigned STS GetCallerIdentity URL whose
// signature covers the header x-k8s-aws-id = <EKS cluster name>, base64url-encoded (no
// padding) behind the prefix k8s-aws-v1. The cluster's authenticator replays the URL to STS
// with its own cluster name, so a token is good for that cluster only, and for 15 minutes from
// its signing time.
const (
	EKSTokenPrefix     = "k8s-aws-v1." //nolint:gosec // a format prefix, not a credential
	EKSClusterIDHeader = "x-k8s-aws-id"
	// EKSTokenLifetime is how long EKS accepts a token after its X-Amz-Date.
	EKSTokenLifetime = 15 * time.Minute
	// eksPresignExpires is the presigned URL's own X-Amz-Expires, in seconds, as the official
	// tools sign it; EKS judges age by EKSTokenLifetime.
	eksPresignExpires = "60"
	// eksRenewBefore makes a token be replaced after 14 of its 15 minutes.
	eksRenewBefore = time.Minute
)

// EKSConfig selects the EKS cluster the token is for.
type EKSConfig struct {
	ClusterName string
	// Region of the STS endpoint; "" takes the region of the AWS configuration (AWS_REGION,
	// the profile), and failing that us-east-1 (the global endpoint's region).
	Region string
	// SharedConfigFiles replace the default AWS shared config files; HCP Terraform's AWS
	// dynamic credentials hand the run one (var.tfc_aws_dynamic_credentials).
	SharedConfigFiles []string
	// Now is the clock of signing and renewal; nil means time.Now.
	Now func() time.Time
}

// NewEKSTokenSource returns a source of EKS IAM tokens signed with the AWS SDK's default
// credential chain: environment variables, shared config files (HCP Terraform's AWS dynamic
// credentials put the run's role and web identity token in one, SharedConfigFiles), web
// identity, SSO, container and instance roles. No stored secret is needed, and an Orka upgrade does not invalidate such a
// token. The AWS configuration is loaded on the first token, not here, so that a plan that
// makes no request needs no AWS credentials.
func NewEKSTokenSource(cfg EKSConfig) (TokenSource, error) {
	if strings.TrimSpace(cfg.ClusterName) == "" {
		return nil, errors.New("the EKS cluster name is empty")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	desc := fmt.Sprintf("the EKS IAM token source for cluster %q", cfg.ClusterName)
	var presign *sts.PresignClient
	return &renewingSource{
		describe:    desc,
		now:         now,
		renewBefore: eksRenewBefore,
		mint: func(ctx context.Context) (Token, error) {
			if presign == nil { // guarded by renewingSource.mu
				opts := []func(*config.LoadOptions) error{}
				if cfg.Region != "" {
					opts = append(opts, config.WithRegion(cfg.Region))
				}
				if len(cfg.SharedConfigFiles) > 0 {
					opts = append(opts, config.WithSharedConfigFiles(cfg.SharedConfigFiles))
				}
				awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
				if err != nil {
					return Token{}, &TokenSourceError{Source: desc, Err: fmt.Errorf("loading the AWS configuration: %w", err)}
				}
				if awsCfg.Region == "" {
					awsCfg.Region = "us-east-1"
				}
				presign = sts.NewPresignClient(sts.NewFromConfig(awsCfg), func(o *sts.PresignOptions) {
					o.Presigner = clockedPresigner{signer: v4.NewSigner(), now: now}
				})
			}
			t, err := presignEKSToken(ctx, presign, cfg.ClusterName, now())
			if err != nil {
				return Token{}, &TokenSourceError{Source: desc, Err: err}
			}
			return t, nil
		},
	}, nil
}

// presignEKSToken signs GetCallerIdentity for the cluster and wraps the URL as a token.
func presignEKSToken(ctx context.Context, c *sts.PresignClient, cluster string, signedAt time.Time) (Token, error) {
	req, err := c.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(so *sts.Options) {
			so.APIOptions = append(so.APIOptions, smithyhttp.SetHeaderValue(EKSClusterIDHeader, cluster))
		})
	})
	if err != nil {
		return Token{}, fmt.Errorf("signing the STS GetCallerIdentity request (are AWS credentials available to "+
			"the default credential chain?): %w", err)
	}
	return Token{
		Value:  EKSTokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)),
		Expiry: signedAt.UTC().Truncate(time.Second).Add(EKSTokenLifetime),
	}, nil
}

// clockedPresigner signs at the source's clock (so that renewal and the token's age agree, and
// tests can move time) and sets the URL's X-Amz-Expires, which the SDK's presigner requires
// the caller to set.
type clockedPresigner struct {
	signer *v4.Signer
	now    func() time.Time
}

func (p clockedPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash,
	service, region string, _ time.Time, optFns ...func(*v4.SignerOptions),
) (string, http.Header, error) {
	q := r.URL.Query()
	q.Set("X-Amz-Expires", eksPresignExpires)
	r.URL.RawQuery = q.Encode()
	return p.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, p.now().UTC(), optFns...)
}
