package alert

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sink delivers alerts to one destination. Send delivers a batch or
// returns an error; an error wrapped by Permanent says that sending the
// same batch again cannot succeed, any other that it may. Sinks are safe
// for concurrent use, but a Queue is their usual (and only) caller.
type Sink interface {
	Send(ctx context.Context, alerts []Alert) error
	Close() error
}

// permanentError marks a failure that retrying will not cure.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: a webhook that answers 400
// or 401 will answer it again. A nil err stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err (or an error it wraps) was marked by
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryAfterError carries a delay the destination asked for (HTTP
// Retry-After), which the Queue honours when it is longer than its own
// backoff.
type retryAfterError struct {
	err   error
	after time.Duration
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.err, e.after)
}
func (e *retryAfterError) Unwrap() error { return e.err }

// retryAfter returns the delay err asks for, or 0.
func retryAfter(err error) time.Duration {
	var r *retryAfterError
	if errors.As(err, &r) {
		return r.after
	}
	return 0
}
