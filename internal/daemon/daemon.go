// Package daemon is the one place that wires seawall's parts together and
// runs them: `seawall serve`. It holds the BGP blackhole speaker (a BGP
// session needs a running process), optionally the nftables backend (held
// so that updates are deltas), the flow pipeline (collector → enrichment →
// detection → alert destinations and the store) with its Prometheus
// metrics, and a control socket through which the CLI reads status and
// asks for a reload.
package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/config"
	"github.com/seawall/seawall/internal/detect"
	"github.com/seawall/seawall/internal/enforce"
	"github.com/seawall/seawall/internal/enforce/bgp"
	"github.com/seawall/seawall/internal/enforce/nft"
	"github.com/seawall/seawall/internal/geodata"
	"github.com/seawall/seawall/internal/ingest"
	"github.com/seawall/seawall/internal/store"
)

// SocketName is the control socket's name in the data directory.
const SocketName = "seawall.sock"

// Options are what the daemon needs beyond the configuration.
type Options struct {
	GeoDB  string // --geo-db, or "" for the installed database
	Logger *slog.Logger
	// NetNS, if set, is an open network namespace (e.g. /run/netns/NAME)
	// the nftables backend works in; tests use it.
	NetNS *os.File
	// Reconfigure, if set, rereads seawall.yaml on reload; the block,
	// flows, inventory, enrich and detect sections of what it returns take
	// effect (the others need a restart). Without it a reload recompiles
	// the policy and rereads the enrichment files it started with.
	Reconfigure func() (*config.Config, error)
	// Tick is how often the wall clock advances detection (default
	// DefaultTick); tests shorten it.
	Tick time.Duration
}

// Status is what the control socket reports.
type Status struct {
	Started   time.Time   `json:"started"`
	Countries []string    `json:"countries"`
	Data      string      `json:"data"`
	Policy    string      `json:"policy"`
	Prefixes  int         `json:"prefixes"`
	LastLoad  time.Time   `json:"last_load"`
	LoadError string      `json:"load_error,omitempty"`
	BGP       *bgp.Status `json:"bgp,omitempty"` // nil when BGP is not enabled
	// Nftables is the last apply's outcome; nil when serve does not manage
	// nftables.
	Nftables *NftStatus `json:"nftables,omitempty"`
	// Flows is the flow collector; nil when flows.enabled is false.
	Flows *FlowStatus `json:"flows,omitempty"`
	// Pipeline is enrichment, detection, the alert destinations and the
	// store.
	Pipeline *PipelineStatus `json:"pipeline,omitempty"`
}

// NftStatus is what serve's last nftables apply did.
type NftStatus struct {
	Action  string    `json:"action"` // created, updated, rebuilt, unchanged
	At      time.Time `json:"at"`
	Added   int       `json:"added"`   // prefixes, both families
	Removed int       `json:"removed"` // prefixes, both families
}

// Daemon runs the configured backends.
type Daemon struct {
	cfg     *config.Config
	opts    Options
	speaker *bgp.Speaker
	nft     *nft.Backend // held for the daemon's life: updates are deltas
	flows   *flows
	pipe    *pipeline
	// pcfg is what the enrichment table and the detection engine in use
	// were built from (guarded by reloadMu).
	pcfg *pipelineConfig

	// reloadMu serialises reloads (and so d.cfg's changes).
	reloadMu sync.Mutex
	running  atomic.Bool // the flows part runs and takes reconfigurations
	mu       sync.Mutex
	status   Status
}

// New checks the configuration and builds the enabled backends; it opens
// nothing yet.
func New(cfg *config.Config, opts Options) (*Daemon, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Daemon{cfg: cfg, opts: opts}
	d.flows = newFlows(d)
	d.pipe = newPipeline(opts.Logger.With("component", "pipeline"), opts.Tick, func() []ingest.ExporterStatus {
		if c := d.flows.cur.Load(); c != nil {
			return c.Status().Exporters
		}
		return nil
	})
	d.flows.registry.MustRegister(d.pipe)
	if cfg.BGP.Enabled {
		s, err := bgp.New(cfg.BGP, opts.Logger.With("component", "bgp"))
		if err != nil {
			return nil, fmt.Errorf("bgp: %w", err)
		}
		d.speaker = s
	}
	if cfg.Nftables.Enabled {
		var o []nft.Option
		if opts.NetNS != nil {
			o = append(o, nft.WithNetNS(int(opts.NetNS.Fd())))
		}
		d.nft = nft.New(o...)
	}
	return d, nil
}

// Run loads the policy, starts the enabled backends and the control
// socket, and blocks until ctx is done or a part fails.
func (d *Daemon) Run(ctx context.Context) error {
	d.status.Started = time.Now().UTC()
	if err := d.reload(ctx); err != nil {
		// Without a policy there is nothing safe to announce: a speaker
		// would hold its sessions back (and routers keep what they had).
		return err
	}
	sock := filepath.Join(d.cfg.DataDir, SocketName)
	ln, err := listenUnix(sock)
	if err != nil {
		return err
	}
	outputs, st, err := d.openSinks(ctx)
	if err != nil {
		ln.Close()
		os.Remove(sock)
		return err
	}
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 5 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("control socket: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		os.Remove(sock)
		if d.nft != nil {
			// The rules stay in the kernel (fail closed); only the
			// backend's sockets are closed.
			err = errors.Join(err, d.nft.Close())
		}
		return err
	})
	if d.speaker != nil {
		g.Go(func() error { return d.speaker.Run(ctx) })
	}
	d.reloadMu.Lock()
	flowsCfg := d.cfg.Flows
	d.running.Store(true)
	d.reloadMu.Unlock()
	flowsDone := make(chan struct{})
	g.Go(func() error {
		defer close(flowsDone)
		return d.flows.run(ctx, flowsCfg)
	})
	g.Go(func() error { return d.runPipeline(ctx, flowsDone, outputs, st) })
	g.Go(func() error { return d.onHangup(ctx) })
	d.opts.Logger.Info("seawall serving", "socket", sock, "bgp", d.speaker != nil, "nftables", d.nft != nil, "flows", flowsCfg.Enabled)
	return g.Wait()
}

// openSinks opens the alert destinations (the alert file by default in
// the data directory) and the store, so that a bad path fails at start.
func (d *Daemon) openSinks(ctx context.Context) (*alert.Outputs, *store.Store, error) {
	if err := os.MkdirAll(d.cfg.DataDir, 0o750); err != nil {
		return nil, nil, err
	}
	acfg := d.cfg.Alerts
	if acfg.File.Path == "" {
		acfg.File.Path = filepath.Join(d.cfg.DataDir, AlertFileName)
	}
	outputs, err := alert.NewOutputs(acfg, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("alerts: %w", err)
	}
	st, err := store.Open(ctx, store.Path(d.cfg.DataDir), d.cfg.Store)
	if err != nil {
		// The outputs' queues own the sinks and close them when they run.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		return nil, nil, errors.Join(fmt.Errorf("store: %w", err), outputs.Run(cctx))
	}
	d.reloadMu.Lock()
	d.pipe.outputs.Store(outputs)
	d.pipe.store.Store(st)
	d.reloadMu.Unlock()
	return outputs, st, nil
}

// runPipeline runs the pipeline, the alert destinations and the store's
// writer. The destinations and the store outlive the pipeline: they stop
// only once it has flushed detection's folded alerts, so that those are
// delivered and stored.
func (d *Daemon) runPipeline(ctx context.Context, flowsDone <-chan struct{}, outputs *alert.Outputs, st *store.Store) error {
	sinkCtx, stopSinks := context.WithCancel(context.WithoutCancel(ctx))
	var sinks errgroup.Group
	sinks.Go(func() error { return outputs.Run(sinkCtx) })
	sinks.Go(func() error { return st.Run(sinkCtx) })
	err := d.pipe.run(ctx, flowsDone)
	stopSinks()
	err = errors.Join(err, sinks.Wait(), st.Close())
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	return nil
}

// onHangup reloads on SIGHUP, as 'seawall serve reload' does (which also
// reopens the alert file, for logrotate).
func (d *Daemon) onHangup(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			if err := d.reload(ctx); err != nil {
				d.opts.Logger.Warn("reload on SIGHUP", "err", err)
			} else {
				d.opts.Logger.Info("reloaded on SIGHUP")
			}
		}
	}
}

// reload rereads the configuration (when Options.Reconfigure is set),
// compiles the block policy against the country database and hands the
// prefixes to the backends, gives the flows section to the collector,
// rebuilds the enrichment table and, when the detect: or inventory:
// sections changed, the detection engine; and reopens the alert file.
// On failure the backends keep what they have: a broken database or
// configuration must not withdraw the blackholes, a flows section whose
// sockets cannot be opened leaves the collector as it was, and a broken
// ASN table or threat list leaves the last good enrichment table.
func (d *Daemon) reload(ctx context.Context) error {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	if o := d.pipe.outputs.Load(); o != nil {
		if err := o.Reopen(); err != nil {
			d.opts.Logger.Warn("reopening the alert file", "err", err)
		}
	}
	next := *d.cfg
	if d.opts.Reconfigure != nil && d.running.Load() {
		c, err := d.opts.Reconfigure()
		if err != nil {
			d.setLoadError(err)
			return fmt.Errorf("rereading the configuration: %w", err)
		}
		next = *c
	}
	block, flowsCfg := next.Block, next.Flows
	l, err := geodata.Load(d.opts.GeoDB, d.cfg.DataDir)
	var desired *enforce.Desired
	if err == nil {
		desired, err = enforce.Compile(l.DB, block)
	}
	if err != nil {
		d.setLoadError(err)
		return fmt.Errorf("loading the block policy: %w", err)
	}
	if err := d.apply(ctx, desired, block); err != nil {
		return err
	}
	d.cfg.Block = block
	if d.running.Load() {
		if err := d.flows.reconfigure(ctx, flowsCfg); err != nil {
			d.setLoadError(err)
			return err
		}
		d.cfg.Flows = flowsCfg
	}
	if err := d.loadPipeline(&next, l, desired); err != nil {
		d.pipe.setEnrichError(err)
		d.setLoadError(err)
		return err
	}
	return nil
}

// loadPipeline builds the enrichment table and swaps it in, and builds a
// new detection engine when what it depends on changed. A new engine
// starts learning afresh: baselines, exporters' usual intervals and open
// dedup windows do not carry over (the old one's folded alerts are
// flushed first).
func (d *Daemon) loadPipeline(next *config.Config, l geodata.Loaded, desired *enforce.Desired) error {
	inv := next.Inventory
	tbl, ranges, err := buildTable(next.Resolve, next.Enrich, l, desired.All(), &inv)
	if err != nil {
		return err
	}
	pc := &pipelineConfig{enrich: next.Enrich, detect: next.Detect, inventory: inv, lists: tbl.ListNames()}
	if !sameEngine(d.pcfg, pc) {
		en, err := detect.New(pc.detect, &pc.inventory, pc.lists)
		if err != nil {
			return fmt.Errorf("detect: %w", err)
		}
		d.pipe.setEngine(en)
	}
	d.pipe.setTable(tbl, ranges)
	d.pcfg = pc
	d.cfg.Enrich, d.cfg.Detect, d.cfg.Inventory = next.Enrich, next.Detect, next.Inventory
	return nil
}

func (d *Daemon) setLoadError(err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status.LastLoad = time.Now().UTC()
	d.status.LoadError = err.Error()
}

// apply hands the compiled policy to the backends and records the outcome.
func (d *Daemon) apply(ctx context.Context, desired *enforce.Desired, block enforce.Config) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.status.LastLoad = time.Now().UTC()
	if d.nft != nil {
		// No force here: a guard refusal keeps the installed rules and is
		// reported, for an operator to resolve with 'block apply --force'.
		rep, err := d.nft.Apply(ctx, Ruleset(desired), nft.Guard{MaxShrinkPercent: block.Guard.MaxShrinkPercent})
		if err != nil {
			d.status.LoadError = err.Error()
			return fmt.Errorf("nftables: %w", err)
		}
		d.status.Nftables = &NftStatus{Action: rep.Action.String(), At: time.Now().UTC(),
			Added: len(rep.V4.Added) + len(rep.V6.Added), Removed: len(rep.V4.Removed) + len(rep.V6.Removed)}
	}
	if d.speaker != nil {
		if err := d.speaker.Set(ctx, desired.All()); err != nil {
			d.status.LoadError = err.Error()
			return fmt.Errorf("bgp: %w", err)
		}
	}
	d.status.LoadError = ""
	d.status.Countries = desired.Countries
	d.status.Data = desired.Data.String()
	d.status.Policy = desired.Policy
	d.status.Prefixes = len(desired.All())
	return nil
}

func (d *Daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		st := d.status
		d.mu.Unlock()
		if d.speaker != nil {
			bs, err := d.speaker.Status(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			st.BGP = &bs
		}
		st.Flows = d.flows.status()
		st.Pipeline = d.pipe.status()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) {
		if err := d.reload(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// listenUnix opens the control socket with mode 0600: whoever can talk to
// it can change what seawall announces. A stale socket from a crashed run
// is replaced; a live one means another serve is running.
func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("%s: another seawall serve is running", path)
	}
	os.Remove(path)
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// Client talks to a running serve through its control socket.
type Client struct {
	http *http.Client
}

// Dial returns a client for the daemon whose data directory is dataDir,
// or an error saying serve is not running there.
func Dial(dataDir string) (*Client, error) {
	path := filepath.Join(dataDir, SocketName)
	c, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("seawall serve is not running (no %s): %w", path, err)
	}
	c.Close()
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}, nil
}

// Status asks the daemon for its status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://seawall/v1/status", nil)
	if err != nil {
		return st, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("seawall serve: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// Reload asks the daemon to reload the policy and the country database.
func (c *Client) Reload(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://seawall/v1/reload", nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		var b [512]byte
		n, _ := resp.Body.Read(b[:])
		return fmt.Errorf("seawall serve refused the reload: %s", string(b[:n]))
	}
	return nil
}
