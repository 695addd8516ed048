package main

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"strings"
)

// signatureHeader carries HCP Terraform's signature of a generic notification: the hex HMAC-SHA512
// of the request body, keyed with the notification configuration's token.
const signatureHeader = "X-TFE-Notification-Signature"

// validSignature reports whether sig is the HMAC-SHA512 of body under token. The comparison is
// constant-time on the decoded bytes, so neither the case of the hex digits nor the time taken
// tells a caller how close a forged signature came.
func validSignature(token, body []byte, sig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) != sha512.Size {
		return false
	}
	mac := hmac.New(sha512.New, token)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
