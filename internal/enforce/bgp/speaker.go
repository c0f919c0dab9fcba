package bgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/config/oc"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Speaker is an embedded BGP speaker announcing blackhole routes. Run holds
// the sessions; Set says which prefixes to blackhole and may be called at
// any time, before Run included; Status reports sessions and routes.
type Speaker struct {
	cfg   Config
	log   *slog.Logger
	paths pathBuilder

	// mu serialises Set, Status and Run's start and stop, so that routes
	// always describes what srv's table holds.
	mu      sync.Mutex
	running bool
	// srv is the GoBGP server while Run has it started, nil otherwise.
	srv *server.BgpServer
	// desired is the last Set, aggregated; set reports whether Set has
	// been called, and setCh is closed by the first call.
	desired []netip.Prefix
	set     bool
	setCh   chan struct{}
	// routes are the prefixes in srv's table: disjoint, sorted.
	routes []netip.Prefix
}

// New checks cfg and returns a Speaker. It refuses a disabled
// configuration: a Speaker exists only to open sessions.
func New(cfg Config, logger *slog.Logger) (*Speaker, error) {
	if !cfg.Enabled {
		return nil, errors.New("bgp: blackholing is disabled (set enabled: true to open BGP sessions)")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bgp: %w", err)
	}
	if logger == nil {
		return nil, errors.New("bgp: nil logger")
	}
	return &Speaker{cfg: cfg, log: logger, paths: newPathBuilder(cfg), setCh: make(chan struct{})}, nil
}

// Run starts the embedded speaker, waits for the first Set, opens the
// sessions and holds them until ctx is done, then stops.
//
// Waiting for the first Set is what makes graceful restart work: the
// routers keep a restarted speaker's blackholes as stale only until its
// End-of-RIB, which GoBGP sends right after the initial table; had the
// session come up with an empty table, that End-of-RIB would flush them.
//
// With graceful restart enabled, stopping closes the sessions without a
// NOTIFICATION, so the routers keep the routes for the restart time; to
// take the blackholes away, Set an empty list before cancelling ctx.
// Without graceful restart, stopping withdraws them. Run returns nil after
// a stop by ctx, an error if the speaker could not start. It can be called
// again after it returns, not concurrently.
func (s *Speaker) Run(ctx context.Context) (err error) {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("bgp: speaker already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	srv := server.NewBgpServer(server.LoggerOption(slog.New(gobgpHandler{s.log.Handler()}).With("lib", "gobgp"), nil))
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve()
	}()
	// StartBgp returns only once Serve is in its loop, which StopBgp needs;
	// so the stop below is valid whatever StartBgp returned.
	startErr := srv.StartBgp(ctx, &api.StartBgpRequest{Global: s.global()})
	defer func() {
		s.mu.Lock()
		s.srv, s.routes = nil, nil
		s.mu.Unlock()
		if stopErr := s.stop(srv); stopErr != nil && err == nil {
			err = stopErr
		}
		<-served
	}()
	if startErr != nil {
		return fmt.Errorf("bgp: start speaker (AS %d, router id %s, listen port %d): %w", s.cfg.LocalASN, s.cfg.RouterID, s.cfg.ListenPort, startErr)
	}
	if err := refuseLearned(ctx, srv); err != nil {
		return err
	}

	select {
	case <-ctx.Done():
		return nil
	case <-s.setCh:
	}
	s.mu.Lock()
	s.srv = srv
	err = s.sync()
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, p := range s.cfg.Peers {
		if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.peer(p)}); err != nil {
			return fmt.Errorf("bgp: add peer %s AS %d: %w", p.Address, p.ASN, err)
		}
	}
	s.log.Info("bgp speaker running", "local_asn", s.cfg.LocalASN, "router_id", s.cfg.RouterID, "peers", len(s.cfg.Peers), "graceful_restart", s.cfg.GracefulRestart.Enabled)
	<-ctx.Done()
	return nil
}

// refuseLearned makes srv drop every route the routers send: learned
// routes would only cost memory, and GoBGP would pass one router's routes
// on to the others. The global import policy applies to locally added
// paths too, so a default of reject would drop the blackholes themselves;
// instead two statements reject the internal and external route types,
// and local paths take the default, accept.
func refuseLearned(ctx context.Context, srv *server.BgpServer) error {
	reject := &api.Actions{RouteAction: api.RouteAction_ROUTE_ACTION_REJECT}
	policy := &api.Policy{Name: "seawall-refuse-learned", Statements: []*api.Statement{
		{Name: "refuse-ibgp", Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_INTERNAL}, Actions: reject},
		{Name: "refuse-ebgp", Conditions: &api.Conditions{RouteType: api.Conditions_ROUTE_TYPE_EXTERNAL}, Actions: reject},
	}}
	if err := srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: policy}); err != nil {
		return fmt.Errorf("bgp: add import policy: %w", err)
	}
	if err := srv.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Direction:     api.PolicyDirection_POLICY_DIRECTION_IMPORT,
		Policies:      []*api.Policy{{Name: policy.Name}},
		DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT,
	}}); err != nil {
		return fmt.Errorf("bgp: set import policy: %w", err)
	}
	return nil
}

// stop ends srv. GoBGP's Stop sends every peer a NOTIFICATION, which makes
// routers drop the routes at once; StopBgp with AllowGracefulRestart closes
// the sessions of graceful-restart peers without one. Stop is still called
// afterwards because it alone ends GoBGP's BFD goroutine.
func (s *Speaker) stop(srv *server.BgpServer) error {
	err := srv.StopBgp(context.Background(), &api.StopBgpRequest{AllowGracefulRestart: s.cfg.GracefulRestart.Enabled})
	srv.Stop()
	if err != nil {
		return fmt.Errorf("bgp: stop speaker: %w", err)
	}
	return nil
}

// Set makes the announced routes cover exactly prefixes, IPv4 and IPv6:
// what is new is announced, what left is withdrawn. Overlapping and
// adjacent prefixes are merged first. Before Run has started the speaker,
// Set only records the prefixes and Run announces them.
//
// GoBGP's calls take no context; ctx is checked before any change.
func (s *Speaker) Set(ctx context.Context, prefixes []netip.Prefix) error {
	want, err := normalize(prefixes, s.cfg)
	if err != nil {
		return fmt.Errorf("bgp: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bgp: set: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.desired = want
	if !s.set {
		s.set = true
		close(s.setCh)
	}
	if s.srv == nil {
		return nil
	}
	return s.sync()
}

// sync moves srv's table to s.desired; s.mu is held. On failure s.routes
// still says what the table holds, so the next Set retries the rest.
func (s *Speaker) sync() error {
	announce, withdraw := planRoutes(s.routes, s.desired)
	if len(announce) > 0 {
		paths, err := s.paths.paths(announce)
		if err != nil {
			return fmt.Errorf("bgp: %w", err)
		}
		resps, err := s.srv.AddPath(apiutil.AddPathRequest{Paths: paths})
		if err != nil {
			// AddPath stops at nothing: the responses say which went in.
			var added []netip.Prefix
			for i, r := range resps {
				if r.Error == nil {
					added = append(added, announce[i])
				}
			}
			s.routes = applyPlan(s.routes, added, nil)
			return fmt.Errorf("bgp: announce %d routes: %w", len(announce), err)
		}
		s.routes = applyPlan(s.routes, announce, nil)
	}
	if len(withdraw) > 0 {
		paths, err := s.paths.paths(withdraw)
		if err != nil {
			return fmt.Errorf("bgp: %w", err)
		}
		// DeletePath checks every path before withdrawing any.
		if err := s.srv.DeletePath(apiutil.DeletePathRequest{Paths: paths}); err != nil {
			return fmt.Errorf("bgp: withdraw %d routes: %w", len(withdraw), err)
		}
		s.routes = applyPlan(s.routes, nil, withdraw)
	}
	if len(announce)+len(withdraw) > 0 {
		s.log.Info("bgp blackhole routes updated", "announced", len(announce), "withdrawn", len(withdraw), "routes", len(s.routes))
	}
	return nil
}

// global is the speaker-wide GoBGP configuration.
func (s *Speaker) global() *api.Global {
	g := &api.Global{
		Asn:      s.cfg.LocalASN,
		RouterId: s.cfg.RouterID.String(),
		// GoBGP treats port 0 as 179; -1 is its "do not listen".
		ListenPort: -1,
		Families: []uint32{
			uint32(oc.AfiSafiTypeToIntMap[oc.AFI_SAFI_TYPE_IPV4_UNICAST]),
			uint32(oc.AfiSafiTypeToIntMap[oc.AFI_SAFI_TYPE_IPV6_UNICAST]),
		},
	}
	if s.cfg.ListenPort != 0 {
		g.ListenPort = int32(s.cfg.ListenPort)
		for _, a := range s.cfg.ListenAddresses {
			g.ListenAddresses = append(g.ListenAddresses, a.String())
		}
	}
	return g
}

// peer is one router's GoBGP configuration.
func (s *Speaker) peer(p Peer) *api.Peer {
	gr := s.cfg.GracefulRestart
	ap := &api.Peer{
		Conf: &api.PeerConf{
			NeighborAddress: p.Address.String(),
			PeerAsn:         p.ASN,
			AuthPassword:    p.Password,
			Description:     "seawall blackhole routes",
		},
		Timers: &api.Timers{Config: &api.TimersConfig{
			HoldTime:          uint64(s.cfg.HoldTime / time.Second),
			KeepaliveInterval: uint64(s.cfg.HoldTime / time.Second / 3),
			ConnectRetry:      uint64(s.cfg.ConnectRetry / time.Second),
		}},
		Transport: &api.Transport{
			PassiveMode: p.Passive,
			RemotePort:  uint32(p.Port),
		},
		GracefulRestart: &api.GracefulRestart{
			Enabled:     gr.Enabled,
			RestartTime: uint32(gr.RestartTime / time.Second),
		},
	}
	if p.LocalAddress.IsValid() {
		ap.Transport.LocalAddress = p.LocalAddress.String()
	}
	if p.MultihopTTL > 0 {
		ap.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.MultihopTTL)}
	}
	for _, f := range p.families() {
		afi := api.Family_AFI_IP
		if f == IPv6 {
			afi = api.Family_AFI_IP6
		}
		ap.AfiSafis = append(ap.AfiSafis, &api.AfiSafi{
			Config: &api.AfiSafiConfig{Family: &api.Family{Afi: afi, Safi: api.Family_SAFI_UNICAST}, Enabled: true},
			// Without the per-family flag the capability lists no family,
			// and a router keeps no route of that family across a restart.
			MpGracefulRestart: &api.MpGracefulRestart{Config: &api.MpGracefulRestartConfig{Enabled: gr.Enabled}},
		})
	}
	return ap
}

// Status is the speaker's state, for `seawall block status`.
type Status struct {
	// Running is true while Run holds the speaker.
	Running bool `json:"running"`
	// AwaitingPrefixes is true while Run holds the sessions back until
	// the first Set (see Run).
	AwaitingPrefixes bool `json:"awaiting_prefixes"`
	// Announced counts the routes in the speaker's table by family.
	Announced FamilyCounts `json:"announced"`
	// Peers are in configuration order.
	Peers []PeerStatus `json:"peers"`
}

// FamilyCounts counts routes by address family.
type FamilyCounts struct {
	IPv4 int `json:"ipv4"`
	IPv6 int `json:"ipv6"`
}

// SessionState is a BGP finite-state-machine state (RFC 4271 section 8).
type SessionState string

// The session states. Only Established carries routes.
const (
	StateIdle        SessionState = "idle"
	StateConnect     SessionState = "connect"
	StateActive      SessionState = "active"
	StateOpenSent    SessionState = "opensent"
	StateOpenConfirm SessionState = "openconfirm"
	StateEstablished SessionState = "established"
)

// PeerStatus is one router's session.
type PeerStatus struct {
	Address netip.Addr   `json:"address"`
	ASN     uint32       `json:"asn"`
	State   SessionState `json:"state"`
	// EstablishedAt and UptimeSeconds are set while Established.
	EstablishedAt time.Time `json:"established_at,omitzero"`
	UptimeSeconds int64     `json:"uptime_seconds"`
	// RoutesAdvertised counts the routes sent on the session.
	RoutesAdvertised uint64 `json:"routes_advertised"`
	// RoutesReceived counts the routes the router sends; RoutesAccepted
	// those of them in the speaker's table, which refuses them all (see
	// refuseLearned), so it stays 0.
	RoutesReceived uint64 `json:"routes_received"`
	RoutesAccepted uint64 `json:"routes_accepted"`
	// LastError is why the session last went down, if it did.
	LastError string `json:"last_error,omitempty"`
}

// Status reports the sessions and the announced route counts.
func (s *Speaker) Status(ctx context.Context) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Running: s.running, AwaitingPrefixes: s.running && s.srv == nil}
	for _, r := range s.routes {
		if r.Addr().Is4() {
			st.Announced.IPv4++
		} else {
			st.Announced.IPv6++
		}
	}
	live := map[netip.Addr]*api.Peer{}
	accepted := map[netip.Addr]uint64{}
	if s.srv != nil {
		err := s.srv.ListPeer(ctx, &api.ListPeerRequest{EnableAdvertised: true}, func(p *api.Peer) {
			if a, err := netip.ParseAddr(p.GetConf().GetNeighborAddress()); err == nil {
				live[a] = p
			}
		})
		if err != nil {
			return Status{}, fmt.Errorf("bgp: list peers: %w", err)
		}
		// GoBGP's own "accepted" count ignores the import policy, so count
		// the table's paths by source instead.
		for _, f := range []bgp.Family{bgp.RF_IPv4_UC, bgp.RF_IPv6_UC} {
			err := s.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: f}, func(_ bgp.NLRI, paths []*apiutil.Path) {
				for _, p := range paths {
					if p.PeerAddress.IsValid() {
						accepted[p.PeerAddress]++
					}
				}
			})
			if err != nil {
				return Status{}, fmt.Errorf("bgp: list %s routes: %w", f, err)
			}
		}
	}
	now := time.Now()
	for _, c := range s.cfg.Peers {
		ps := PeerStatus{Address: c.Address, ASN: c.ASN, State: StateIdle}
		if p, ok := live[c.Address]; ok {
			ps.State = sessionState(p.GetState().GetSessionState())
			ps.LastError = p.GetState().GetDisconnectMessage()
			if ps.State == StateEstablished {
				if up := p.GetTimers().GetState().GetUptime(); up != nil {
					ps.EstablishedAt = up.AsTime()
					ps.UptimeSeconds = int64(now.Sub(ps.EstablishedAt) / time.Second)
				}
			}
			for _, af := range p.GetAfiSafis() {
				ps.RoutesAdvertised += af.GetState().GetAdvertised()
				ps.RoutesReceived += af.GetState().GetReceived()
			}
			ps.RoutesAccepted = accepted[c.Address]
		}
		st.Peers = append(st.Peers, ps)
	}
	return st, nil
}

func sessionState(s api.PeerState_SessionState) SessionState {
	switch s {
	case api.PeerState_SESSION_STATE_CONNECT:
		return StateConnect
	case api.PeerState_SESSION_STATE_ACTIVE:
		return StateActive
	case api.PeerState_SESSION_STATE_OPENSENT:
		return StateOpenSent
	case api.PeerState_SESSION_STATE_OPENCONFIRM:
		return StateOpenConfirm
	case api.PeerState_SESSION_STATE_ESTABLISHED:
		return StateEstablished
	default:
		return StateIdle
	}
}

// gobgpHandler passes GoBGP's log records on, except that it demotes the
// error GoBGP's Stop logs after StopBgp has already run (Stop calls
// StopBgp again, which finds the server gone): stopping that way is how a
// graceful restart is kept, not a failure.
type gobgpHandler struct{ slog.Handler }

const gobgpStopMessage = "failed to stop BGP server"

// Handle demotes the one known message and passes the rest unchanged.
func (h gobgpHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == gobgpStopMessage && r.Level >= slog.LevelError {
		if !h.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h gobgpHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return gobgpHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h gobgpHandler) WithGroup(name string) slog.Handler {
	return gobgpHandler{h.Handler.WithGroup(name)}
}
