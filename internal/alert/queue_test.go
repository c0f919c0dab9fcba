package alert

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// fast retries, so that tests of backoff take milliseconds.
func fastConfig(retries int) Config {
	c := DefaultConfig()
	c.Retries, c.Backoff, c.MaxBackoff, c.Batch = retries, time.Millisecond, 5*time.Millisecond, 10
	return c
}

// runQueue runs q until every enqueued alert is sent or dropped, then
// stops it and returns its stats.
func runQueue(t *testing.T, q *Queue, alerts []Alert) QueueStats {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	q.Enqueue(alerts...)
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := q.Stats()
		if s.Sent+s.Dropped() >= uint64(len(alerts)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue did not settle: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	return q.Stats()
}

// hook is a webhook receiver that answers from a script, then 200.
type hook struct {
	mu       sync.Mutex
	script   []int // status codes to answer first; 0 drops the connection
	requests int
	got      []Alert
	headers  http.Header
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.requests++
	h.headers = r.Header.Clone()
	body, _ := io.ReadAll(r.Body)
	if len(h.script) > 0 {
		code := h.script[0]
		h.script = h.script[1:]
		if code == 0 {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		if code == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		http.Error(w, "scripted failure", code)
		return
	}
	var batch []Alert
	if err := json.Unmarshal(body, &batch); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.got = append(h.got, batch...)
	w.WriteHeader(http.StatusAccepted)
}

func TestWebhookQueue(t *testing.T) {
	t.Parallel()
	alerts := []Alert{testAlert(0), testAlert(1), testAlert(2)}
	tests := []struct {
		name         string
		script       []int
		retries      int
		wantRequests int
		want         QueueStats
	}{
		{"ok", nil, 3, 1, QueueStats{Enqueued: 3, Sent: 3}},
		{"503 twice then ok", []int{503, 503}, 3, 3, QueueStats{Enqueued: 3, Sent: 3, Retries: 2}},
		{"429 then ok", []int{429}, 3, 2, QueueStats{Enqueued: 3, Sent: 3, Retries: 1}},
		{"connection dropped then ok", []int{0}, 3, 2, QueueStats{Enqueued: 3, Sent: 3, Retries: 1}},
		{"always 500", []int{500, 500, 500, 500, 500, 500}, 2, 3, QueueStats{Enqueued: 3, DroppedFailed: 3, Retries: 2}},
		{"no retries", []int{500}, 0, 1, QueueStats{Enqueued: 3, DroppedFailed: 3}},
		{"400 is permanent", []int{400}, 3, 1, QueueStats{Enqueued: 3, DroppedFailed: 3}},
		{"401 is permanent", []int{401}, 3, 1, QueueStats{Enqueued: 3, DroppedFailed: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := &hook{script: tt.script}
			srv := httptest.NewServer(h)
			defer srv.Close()
			cfg := fastConfig(tt.retries)
			cfg.Webhook = WebhookConfig{URL: srv.URL + "/hook?token=secret", BearerToken: "tok", Headers: map[string]string{"X-Tenant": "noc"}, Timeout: 5 * time.Second}
			w, err := NewWebhook(cfg.Webhook, srv.Client())
			if err != nil {
				t.Fatal(err)
			}
			st := runQueue(t, NewQueue("webhook", w, cfg), alerts)
			if (st.LastError != "") != (tt.script != nil) {
				t.Errorf("LastError %q", st.LastError)
			}
			if st.LastError != "" && (strings.Contains(st.LastError, "secret")) {
				t.Errorf("LastError shows the URL's query: %q", st.LastError)
			}
			st.LastError = ""
			tt.want.Sink = "webhook"
			if diff := cmp.Diff(tt.want, st); diff != "" {
				t.Errorf("stats (-want +got):\n%s", diff)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.requests != tt.wantRequests {
				t.Errorf("%d requests, want %d", h.requests, tt.wantRequests)
			}
			if tt.want.Sent > 0 {
				if diff := cmp.Diff(alerts, h.got, addrs); diff != "" {
					t.Errorf("received (-want +got):\n%s", diff)
				}
			}
			for k, v := range map[string]string{"Authorization": "Bearer tok", "X-Tenant": "noc", "Content-Type": "application/json"} {
				if got := h.headers.Get(k); got != v {
					t.Errorf("header %s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestWebhookSlow(t *testing.T) {
	t.Parallel()
	var requests atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	cfg := fastConfig(1)
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Timeout: 100 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	st := runQueue(t, NewQueue("webhook", w, cfg), []Alert{testAlert(0)})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("two attempts took %s with a 100ms timeout", el)
	}
	if st.DroppedFailed != 1 || st.Retries != 1 || requests.Load() != 2 {
		t.Errorf("stats %+v after %d requests; want 1 dropped after 2", st, requests.Load())
	}
	if !strings.Contains(st.LastError, "Timeout") && !strings.Contains(st.LastError, "deadline") {
		t.Errorf("LastError %q does not say it timed out", st.LastError)
	}
}

func TestWebhookRetryAfter(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	w, err := NewWebhook(WebhookConfig{URL: srv.URL, Timeout: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Send(t.Context(), []Alert{testAlert(0)})
	if err == nil || IsPermanent(err) || retryAfter(err) != 7*time.Second {
		t.Errorf("Send: %v (retry after %s), want retryable after 7s", err, retryAfter(err))
	}
}

// gateSink blocks every Send until released, recording what it got.
type gateSink struct {
	mu     sync.Mutex
	got    []Alert
	gate   chan struct{}
	sends  chan struct{}
	closed bool
}

func (s *gateSink) Send(ctx context.Context, alerts []Alert) error {
	s.sends <- struct{}{}
	select {
	case <-s.gate:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = append(s.got, alerts...)
	return nil
}

func (s *gateSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return nil
}

// TestQueueFull: while the sink is stuck, Enqueue keeps returning at once
// and the oldest alerts give way to the newest.
func TestQueueFull(t *testing.T) {
	t.Parallel()
	sink := &gateSink{gate: make(chan struct{}), sends: make(chan struct{}, 100)}
	cfg := fastConfig(0)
	cfg.QueueSize, cfg.Batch = 3, 1
	q := NewQueue("gate", sink, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()

	q.Enqueue(testAlert(0))
	<-sink.sends // alert 0 is in flight, the queue is empty
	start := time.Now()
	for i := 1; i <= 10; i++ {
		q.Enqueue(testAlert(i))
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Enqueue blocked for %s", el)
	}
	if st := q.Stats(); st.Queued != 3 || st.DroppedFull != 7 {
		t.Errorf("stats %+v, want 3 queued and 7 dropped", st)
	}
	close(sink.gate) // the destination recovers
	for q.Stats().Sent < 4 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []Alert{testAlert(0), testAlert(8), testAlert(9), testAlert(10)}
	if diff := cmp.Diff(want, sink.got, addrs); diff != "" {
		t.Errorf("delivered (-want +got):\n%s", diff)
	}
	if !sink.closed {
		t.Error("Run did not close the sink")
	}
}

// recordSink delivers at once, or fails with err.
type recordSink struct {
	mu  sync.Mutex
	got []Alert
	err error
}

func (s *recordSink) Send(_ context.Context, alerts []Alert) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, alerts...)
	return nil
}

func (s *recordSink) Close() error { return nil }

// TestQueueDrain: alerts still queued when the daemon stops get one last
// chance, and are counted as dropped when that fails.
func TestQueueDrain(t *testing.T) {
	t.Parallel()
	alerts := []Alert{testAlert(0), testAlert(1), testAlert(2)}
	for _, fail := range []bool{false, true} {
		s := &recordSink{}
		if fail {
			s.err = errors.New("down")
		}
		cfg := fastConfig(5)
		cfg.Batch = 2
		q := NewQueue("rec", s, cfg)
		q.Enqueue(alerts...)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := q.Run(ctx); err != nil {
			t.Fatal(err)
		}
		st := q.Stats()
		if fail {
			if st.DroppedFailed != 3 || st.Sent != 0 || st.Queued != 0 {
				t.Errorf("failing drain: %+v", st)
			}
			continue
		}
		if diff := cmp.Diff(alerts, s.got, addrs); diff != "" || st.Sent != 3 {
			t.Errorf("drain delivered (-want +got):\n%s\nstats %+v", diff, st)
		}
	}
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	h := &hook{script: []int{503}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	cfg := fastConfig(3)
	cfg.File.Path = filepath.Join(dir, "alerts.jsonl")
	cfg.Webhook.URL = srv.URL
	o, err := NewOutputs(cfg, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	alerts := []Alert{testAlert(0), testAlert(1)}
	o.Enqueue(alerts...)
	for {
		st := o.Stats()
		if st[0].Sent == 2 && st[1].Sent == 2 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := o.Reopen(); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(alerts, readLines(t, cfg.File.Path), addrs); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	got := o.Stats()
	want := []QueueStats{{Sink: "file", Enqueued: 2, Sent: 2}, {Sink: "webhook", Enqueued: 2, Sent: 2, Retries: 1}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(QueueStats{}, "LastError")); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}

	bad := cfg
	bad.Syslog.Facility = "nope"
	if _, err := NewOutputs(bad, nil); err == nil || !strings.Contains(err.Error(), "syslog.facility") {
		t.Errorf("NewOutputs with a bad config: %v", err)
	}
}
