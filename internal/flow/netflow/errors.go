package netflow

import "errors"

// Reason classifies why a datagram, or part of one, was not decoded; the
// per-exporter Stats count each reason separately.
type Reason uint8

// Reasons. Every error Decode returns wraps exactly one of the sentinel
// errors below, and each sentinel maps to one Reason.
const (
	ReasonTruncated       Reason = iota // datagram shorter than its headers say
	ReasonVersion                       // not NetFlow v5, v9 or IPFIX
	ReasonSetLength                     // a set/flowset length that does not fit
	ReasonTemplate                      // a malformed template or options template
	ReasonTemplateLimit                 // the exporter has too many templates
	ReasonMissingTemplate               // a data set for a template not (yet) seen
	ReasonRecord                        // a data record that overruns its set
	ReasonCount                         // v5/v9 header record count disagrees with the content
	NumReasons                          // number of reasons, for arrays indexed by Reason
)

var reasonNames = [NumReasons]string{
	"truncated", "version", "set-length", "template", "template-limit",
	"missing-template", "record", "count",
}

// String returns the reason's metric label.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// Errors returned (wrapped) by Decode; test with errors.Is.
var (
	ErrTruncated       = errors.New("netflow: truncated datagram")
	ErrVersion         = errors.New("netflow: unsupported version")
	ErrSetLength       = errors.New("netflow: bad set length")
	ErrTemplate        = errors.New("netflow: malformed template")
	ErrTemplateLimit   = errors.New("netflow: template limit reached for exporter")
	ErrExporterLimit   = errors.New("netflow: exporter limit reached")
	ErrMissingTemplate = errors.New("netflow: data set for unknown template")
	ErrRecord          = errors.New("netflow: data record overruns its set")
	ErrCount           = errors.New("netflow: header record count disagrees with content")
)

var reasonErrs = [NumReasons]error{
	ErrTruncated, ErrVersion, ErrSetLength, ErrTemplate, ErrTemplateLimit,
	ErrMissingTemplate, ErrRecord, ErrCount,
}

// decodeError carries the reason with a static message, so that reporting
// an error allocates nothing: hostile traffic must not cost garbage.
type decodeError struct {
	reason Reason
	what   string
}

func (e *decodeError) Error() string { return reasonErrs[e.reason].Error() + ": " + e.what }
func (e *decodeError) Unwrap() error { return reasonErrs[e.reason] }

// errAt returns a preallocated error per (reason, message) pair: the
// messages are constants, so each call site keeps one value.
func errAt(r Reason, what string) *decodeError { return &decodeError{reason: r, what: what} }
