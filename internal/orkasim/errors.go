package orkasim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is an error answer: an HTTP code and a Kubernetes Status reason and message.
type apiError struct {
	code       int
	reason     string
	msg        string
	retryAfter int // seconds; 0 means no Retry-After header
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, reason, format string, args ...any) *apiError {
	return &apiError{code: code, reason: reason, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "BadRequest", format, args...)
}

func notFound(format string, args ...any) *apiError {
	return errorf(http.StatusNotFound, "NotFound", format, args...)
}

func alreadyExists(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, "AlreadyExists", format, args...)
}

func conflict(format string, args ...any) *apiError {
	return errorf(http.StatusConflict, "Conflict", format, args...)
}

func forbidden(format string, args ...any) *apiError {
	return errorf(http.StatusForbidden, "Forbidden", format, args...)
}

func internalError(format string, args ...any) *apiError {
	return errorf(http.StatusInternalServerError, "InternalError", format, args...)
}

// invalid is a validation failure: the message names the field, the value and the rule,
// e.g. `invalid value for cpu: 1: must be at least 2`.
func invalid(field string, value any, rule string) *apiError {
	if s, ok := value.(string); ok {
		value = strconv.Quote(s)
	}
	return badRequest("invalid value for %s: %v: %s", field, value, rule)
}

// reasonFor is the Kubernetes Status reason of an HTTP code, for injected faults.
func reasonFor(code int) string {
	switch code {
	case 400:
		return "BadRequest"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "NotFound"
	case 405:
		return "MethodNotAllowed"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 422:
		return "Invalid"
	case 429:
		return "TooManyRequests"
	case 500:
		return "InternalError"
	case 503:
		return "ServiceUnavailable"
	case 504:
		return "Timeout"
	}
	if code >= 500 {
		return "InternalError"
	}
	return "Unknown"
}

// status is the Kubernetes Status body of every error (and of successful deletes).
type status struct {
	Kind       string   `json:"kind"`
	APIVersion string   `json:"apiVersion"`
	Metadata   struct{} `json:"metadata"`
	Status     string   `json:"status"`
	Message    string   `json:"message,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	Code       int      `json:"code"`
}

func successStatus(msg string) status {
	return status{Kind: "Status", APIVersion: "v1", Status: "Success", Message: msg, Code: 200}
}

func writeJSON(w http.ResponseWriter, code int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(status{Kind: "Status", APIVersion: "v1", Status: "Failure",
			Message: "encoding response: " + err.Error(), Reason: "InternalError", Code: code})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	writeJSON(w, e.code, status{Kind: "Status", APIVersion: "v1", Status: "Failure",
		Message: e.msg, Reason: e.reason, Code: e.code})
}
