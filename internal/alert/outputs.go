package alert

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Outputs is every destination the alerts: section enables, each behind
// its own Queue, so that one slow destination delays none of the others.
type Outputs struct {
	queues []*Queue
	file   *FileSink
}

// NewOutputs opens the configured sinks: the alert file now (so that a
// bad path fails at start-up), syslog and the webhook on first use.
// client is the webhook's HTTP client (nil for a default one).
func NewOutputs(cfg Config, client *http.Client) (*Outputs, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	o := &Outputs{}
	fail := func(err error) (*Outputs, error) {
		for _, q := range o.queues {
			_ = q.sink.Close()
		}
		return nil, err
	}
	if cfg.File.Path != "" {
		f, err := OpenFile(cfg.File)
		if err != nil {
			return fail(err)
		}
		o.file = f
		o.queues = append(o.queues, NewQueue("file", f, cfg))
	}
	if cfg.Syslog.Address != "" {
		s, err := NewSyslog(cfg.Syslog)
		if err != nil {
			return fail(err)
		}
		o.queues = append(o.queues, NewQueue("syslog", s, cfg))
	}
	if cfg.Webhook.URL != "" {
		w, err := NewWebhook(cfg.Webhook, client)
		if err != nil {
			return fail(err)
		}
		o.queues = append(o.queues, NewQueue("webhook", w, cfg))
	}
	return o, nil
}

// Enqueue hands alerts to every destination without blocking.
func (o *Outputs) Enqueue(alerts ...Alert) {
	for _, q := range o.queues {
		q.Enqueue(alerts...)
	}
}

// Run runs every queue until ctx is done and waits for all of them to
// drain and close their sinks.
func (o *Outputs) Run(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, q := range o.queues {
		wg.Go(func() {
			if err := q.Run(ctx); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("alert sink %s: %w", q.name, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Stats returns each destination's counters.
func (o *Outputs) Stats() []QueueStats {
	out := make([]QueueStats, len(o.queues))
	for i, q := range o.queues {
		out[i] = q.Stats()
	}
	return out
}

// Reopen reopens the alert file after log rotation (on SIGHUP); without
// a file sink it does nothing.
func (o *Outputs) Reopen() error {
	if o.file == nil {
		return nil
	}
	return o.file.Reopen()
}
