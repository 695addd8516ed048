package orka

// RedactedExcerpt makes a response body safe to show a person, by the same rules as the debug
// log: JSON fields with secret names (token, password, ...) are replaced by "***" at any depth,
// each of the given literal secrets is scrubbed, and the result is one line of at most 200
// bytes. The conformance probe quotes answers with it.
func RedactedExcerpt(body []byte, secrets ...string) string {
	ci := &callInfo{secrets: secrets}
	return excerpt([]byte(ci.redactBody(body, false)))
}
