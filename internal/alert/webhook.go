package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// WebhookSink POSTs each batch as a JSON array of alerts. A 2xx answer
// delivers the batch. 429 and 5xx answers and network failures may pass
// and are returned as retryable errors (with the server's Retry-After, if
// any); other answers (400, 401, 404, ...) will not change on a retry and
// are returned as Permanent.
type WebhookSink struct {
	url     string
	headers http.Header
	client  *http.Client
}

// NewWebhook prepares a sink. client may be nil for a default client
// with the configured timeout; tests pass their own.
func NewWebhook(cfg WebhookConfig, client *http.Client) (*WebhookSink, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("webhook url %q is not an http or https URL", cfg.URL)
	}
	if client == nil {
		client = &http.Client{}
	}
	c := *client
	c.Timeout = cfg.Timeout
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	h := make(http.Header)
	for k, v := range cfg.Headers {
		h.Set(k, v)
	}
	if cfg.BearerToken != "" {
		h.Set("Authorization", "Bearer "+cfg.BearerToken)
	}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "seawall")
	return &WebhookSink{url: cfg.URL, headers: h, client: &c}, nil
}

// Send POSTs the batch. The URL in errors is shown without its query,
// which may hold a token.
func (s *WebhookSink) Send(ctx context.Context, alerts []Alert) error {
	if alerts == nil {
		alerts = []Alert{}
	}
	body, err := json.Marshal(alerts)
	if err != nil {
		return Permanent(fmt.Errorf("webhook: encoding alerts: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("webhook: %w", err))
	}
	req.Header = s.headers.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, query and all
		}
		return fmt.Errorf("webhook %s: %w", redact(s.url), err)
	}
	// Drain a little so the connection can be reused, not the whole of a
	// misbehaving server's answer.
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("webhook %s: %s: %s", redact(s.url), resp.Status, bytes.TrimSpace(snippet))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		if d := parseRetryAfter(resp.Header.Get("Retry-After")); d > 0 {
			return &retryAfterError{err: err, after: d}
		}
		return err
	case resp.StatusCode == http.StatusRequestTimeout:
		return err
	}
	return Permanent(err)
}

// parseRetryAfter reads delay-seconds; HTTP dates are rare from webhook
// receivers and are ignored (the Queue's own backoff applies).
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// redact drops the query and user info of a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(webhook url)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// Close releases idle connections.
func (s *WebhookSink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}
