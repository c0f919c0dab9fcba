package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/ingest"
)

// FlowStatus is the flow collector's part of the status.
type FlowStatus struct {
	// Metrics is the address Prometheus metrics are served on, if any.
	Metrics string `json:"metrics,omitempty"`
	// Handled counts the records the daemon received from the collector.
	Handled uint64 `json:"handled"`
	ingest.Status
}

// flows owns the collector and the metrics server; a reload hands it a
// new configuration and it restarts only what the change needs.
type flows struct {
	d        *Daemon
	registry *prometheus.Registry
	reqs     chan flowsReq
	handled  atomic.Uint64

	cur       atomic.Pointer[ingest.Collector] // nil when not collecting
	metricsAt atomic.Pointer[string]           // bound metrics address
}

type flowsReq struct {
	cfg  ingest.Config
	done chan error
}

func newFlows(d *Daemon) *flows {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &flows{d: d, registry: reg, reqs: make(chan flowsReq)}
}

// handle is the collector's Handler: it counts the records and hands
// them to the pipeline (enrichment, detection, alerts, the store).
func (f *flows) handle(recs []flow.Record) {
	f.handled.Add(uint64(len(recs)))
	f.d.pipe.handle(recs)
}

// part is a running collector or metrics server.
type part struct {
	cancel context.CancelFunc
	done   chan error
}

func (p *part) stop() error {
	if p == nil {
		return nil
	}
	p.cancel()
	return <-p.done
}

// startCollector opens the listeners (so that a busy port is reported to
// the caller) and runs the collector.
func (f *flows) startCollector(ctx context.Context, cfg ingest.Config) (*part, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	c, err := ingest.New(cfg, ingest.Options{
		Logger:       f.d.opts.Logger.With("component", "flows"),
		Handler:      f.handle,
		Registry:     f.registry,
		TemplateFile: filepath.Join(f.d.cfg.DataDir, ingest.TemplateFileName),
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	if err := c.Open(ctx); err != nil {
		cancel()
		return nil, fmt.Errorf("flows: %w", err)
	}
	p := &part{cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- c.Run(ctx) }() // waited for by stop
	f.cur.Store(c)
	return p, nil
}

// startMetrics serves the registry on addr (loopback, checked by
// ingest.Config.Validate).
func (f *flows) startMetrics(ctx context.Context, cfg ingest.Config) (*part, error) {
	if !cfg.Enabled || cfg.Metrics == "" {
		f.metricsAt.Store(nil)
		return nil, nil
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("flows.metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(f.registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	p := &part{cancel: cancel, done: make(chan error, 1)}
	go func() { // waited for by stop
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case <-ctx.Done():
			sctx, c := context.WithTimeout(context.Background(), 2*time.Second)
			err := srv.Shutdown(sctx)
			c()
			if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
				err = errors.Join(err, serr)
			}
			p.done <- err
		case err := <-errc:
			p.done <- fmt.Errorf("metrics server: %w", err)
		}
	}()
	addr := ln.Addr().String()
	f.metricsAt.Store(&addr)
	return p, nil
}

// run owns the collector and the metrics server until ctx is done,
// applying the configurations reloads send. A new configuration whose
// sockets cannot be opened is refused, and the previous one runs again.
func (f *flows) run(ctx context.Context, cfg ingest.Config) error {
	col, err := f.startCollector(ctx, cfg)
	if err != nil {
		return err
	}
	met, err := f.startMetrics(ctx, cfg)
	if err != nil {
		return errors.Join(err, col.stop())
	}
	stopAll := func() error {
		f.cur.Store(nil)
		return errors.Join(col.stop(), met.stop())
	}
	for {
		var colDone, metDone chan error
		if col != nil {
			colDone = col.done
		}
		if met != nil {
			metDone = met.done
		}
		select {
		case <-ctx.Done():
			return stopAll()
		case err := <-colDone:
			col = nil
			return errors.Join(fmt.Errorf("flow collector: %w", err), stopAll())
		case err := <-metDone:
			met = nil
			return errors.Join(err, stopAll())
		case r := <-f.reqs:
			r.done <- f.apply(ctx, &cfg, r.cfg, &col, &met)
		}
	}
}

// apply moves from *old to next, restarting the listeners only when their
// socket settings change and the metrics server only when its address
// does; filters (allowed exporters, sampling) change in place.
func (f *flows) apply(ctx context.Context, old *ingest.Config, next ingest.Config, col, met **part) error {
	if !ingest.SameSockets(*old, next) {
		f.cur.Store(nil)
		if err := (*col).stop(); err != nil {
			f.d.opts.Logger.Warn("stopping the flow collector", "err", err)
		}
		p, err := f.startCollector(ctx, next)
		if err != nil {
			// Back to the last good configuration.
			p, err2 := f.startCollector(ctx, *old)
			*col = p
			return errors.Join(err, err2)
		}
		*col = p
	} else if c := f.cur.Load(); c != nil {
		if err := c.SetFilter(next); err != nil {
			return err
		}
	}
	if old.Metrics != next.Metrics || old.Enabled != next.Enabled {
		if err := (*met).stop(); err != nil {
			f.d.opts.Logger.Warn("stopping the metrics server", "err", err)
		}
		p, err := f.startMetrics(ctx, next)
		*met = p
		if err != nil {
			*old = next
			return err
		}
	}
	*old = next
	return nil
}

// reconfigure hands a reloaded flows section to run and waits for it.
func (f *flows) reconfigure(ctx context.Context, cfg ingest.Config) error {
	r := flowsReq{cfg: cfg, done: make(chan error, 1)}
	select {
	case f.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// status reports the collector, or nil when flows are not collected.
func (f *flows) status() *FlowStatus {
	c := f.cur.Load()
	if c == nil {
		return nil
	}
	st := &FlowStatus{Handled: f.handled.Load(), Status: c.Status()}
	if a := f.metricsAt.Load(); a != nil {
		st.Metrics = *a
	}
	return st
}
