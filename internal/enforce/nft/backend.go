package nft

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/google/nftables"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Action says what an apply did to the table.
type Action int

// Actions, from least to most work.
const (
	// Unchanged: the table already held the ruleset; nothing was sent.
	Unchanged Action = iota
	// Updated: only set elements were added and removed.
	Updated
	// Created: there was no table; it was created with everything in it.
	Created
	// Rebuilt: the table's shape (families, directions, logging, comment)
	// changed, or it was not as seawall writes it, so its rules, chains,
	// counters and sets were brought in line in one transaction. The
	// table, the sets and the chains that stay are kept and changed in
	// place (rules replaced, elements added and removed), never deleted
	// and recreated: deleting the table and recreating it in one
	// transaction is atomic as far as the ruleset goes, yet packets slip
	// through while the kernel swaps the old base chains for the new ones
	// (TestRebuildUnderTraffic saw windows of several milliseconds when
	// rebuilds were done that way); replacing the rules of a chain that
	// stays, and changing elements of a set that stays, is seamless.
	Rebuilt
)

func (a Action) String() string {
	return [...]string{"unchanged", "updated", "created", "rebuilt"}[a]
}

// Report says what an apply changed.
type Report struct {
	Action Action
	// V4 and V6 are the per-family changes.
	V4, V6 Change
}

// Change is one family's change.
type Change struct {
	// Added and Removed are the addresses that became blocked and
	// unblocked, as minimal CIDR covers.
	Added, Removed []netip.Prefix
	// ElementsAdded and ElementsRemoved count the set elements sent to
	// the kernel (an interval is up to two elements).
	ElementsAdded, ElementsRemoved int
}

func (r *Report) change(f family) *Change {
	if f == v4 {
		return &r.V4
	}
	return &r.V6
}

// Status is what is installed.
type Status struct {
	// Present reports whether the table exists.
	Present bool
	// Modified reports that the table exists but is not what seawall
	// writes for the ruleset it holds (edited by hand, or written by
	// another version); the next apply rebuilds it. Ruleset is then a best
	// effort.
	Modified bool
	// Ruleset is the installed ruleset: the families that have a set, the
	// blocked prefixes (minimal cover of the set's intervals), the
	// directions, logging and comment.
	Ruleset Ruleset
	// Elements4 and Elements6 are the number of set elements in the
	// kernel.
	Elements4, Elements6 int
	// Counters holds the drop rules' counters in rule order.
	Counters []Counter
}

// Counter is one drop rule's named counter.
type Counter struct {
	Name  string // e.g. "input_src_v4"
	Hook  Hook
	Match Match
	// Family is 4 or 6.
	Family  int
	Packets uint64
	Bytes   uint64
}

// Backend installs rulesets into the kernel of one network namespace.
// Its methods are safe for concurrent use; they serialize. It keeps its
// netlink sockets open between calls (see Close).
//
// A Backend remembers what it last installed together with the
// ruleset's generation number, so that while nobody else changes the
// ruleset an update neither dumps the (large) set back from the kernel
// nor reads its rules: it asks for the generation, diffs in memory, and
// sends a transaction that the kernel only commits if the generation is
// still the same. When someone else did change it, the Backend reads the
// table again and retries.
type Backend struct {
	netns int

	mu   sync.Mutex
	conn *nftables.Conn // nil until first used, and after an error
	// nl is a plain netlink socket for reading sets fast (dumpSet).
	nl    *netlink.Conn
	cache *state
	// spare is memory for the next apply's spans: the spans of the state
	// the last apply replaced. A CN list is some 300 KB, and allocating it
	// anew on every update costs more in garbage collection than the
	// update itself.
	spare [2][]span
	tx    txn

	// beforeFlush, if set, runs after a transaction is built and before
	// it is sent: a seam for tests that make the kernel reject a batch.
	beforeFlush func(*nftables.Conn)
}

// Option configures a Backend.
type Option func(*Backend)

// WithNetNS makes the Backend work in the network namespace the file
// descriptor refers to (e.g. an open /run/netns/NAME) instead of the
// caller's. The descriptor must stay open while the Backend is used.
func WithNetNS(fd int) Option { return func(b *Backend) { b.netns = fd } }

// New returns a Backend for the caller's network namespace, or the one
// given by WithNetNS.
func New(opts ...Option) *Backend {
	b := &Backend{}
	for _, o := range opts {
		o(b)
	}
	return b
}

// state is the installed table as far as applying is concerned.
type state struct {
	gen     uint32
	present bool
	layout  layout
	exact   bool // the objects are exactly layout.build()
	spans   [2][]span
	// setOK reports whether the family's set exists and can be kept (key
	// type and flags as seawall makes them).
	setOK [2]bool
	// inv holds the objects as read from the kernel, with rule handles and
	// counter values; nil in the cached state.
	inv *installed
}

func (s *state) families() [2]familyState {
	var out [2]familyState
	for _, f := range families {
		out[f] = familyState{present: s.present && s.layout.fam[f], spans: s.spans[f]}
	}
	return out
}

// desired is a validated ruleset prepared for applying.
type desired struct {
	layout layout
	spans  [2][]span
}

func prepare(rs Ruleset) desired { return prepareInto(rs, [2][]span{}) }

// prepareInto is prepare reusing buf's memory.
func prepareInto(rs Ruleset, buf [2][]span) desired {
	d := desired{layout: rs.layout()}
	for _, f := range families {
		if rs.enabled(f) {
			d.spans[f] = appendSpans(buf[f], rs.prefixes(f), f)
		}
	}
	return d
}

func (d desired) families() [2]familyState {
	var out [2]familyState
	for _, f := range families {
		out[f] = familyState{present: d.layout.fam[f], spans: d.spans[f]}
	}
	return out
}

// plan is what an apply will send.
type plan struct {
	action   Action
	del, add [2][]span
	report   Report
}

// makePlan compares the installed state with the desired one. A set that
// can be kept gets an element delta, whatever else changes; a set that
// cannot (new, or of the wrong type) is replaced whole.
func makePlan(cur *state, want desired) plan {
	var p plan
	switch {
	case !cur.present:
		p.action = Created
	case !cur.exact || cur.layout != want.layout:
		p.action = Rebuilt
	}
	for _, f := range families {
		var before []span
		if cur.present && cur.setOK[f] {
			before = cur.spans[f]
		}
		if want.layout.fam[f] && cur.present && cur.setOK[f] {
			p.del[f], p.add[f] = diffSpans(before, want.spans[f])
		} else {
			p.del[f], p.add[f] = before, want.spans[f]
		}
		c := p.report.change(f)
		c.Added, c.Removed = addressDiff(p.del[f], p.add[f])
		c.ElementsAdded = countElements(p.add[f])
		c.ElementsRemoved = countElements(p.del[f])
		if p.action == Unchanged && (len(p.del[f]) > 0 || len(p.add[f]) > 0) {
			p.action = Updated
		}
	}
	p.report.Action = p.action
	return p
}

// Plan reports what Apply would do to go from the installed status to
// rs, without doing it and without checking the Guard (see Guard.Check).
// It assumes the installed sets hold the intervals seawall writes; Apply
// itself diffs against the kernel's actual elements.
func Plan(installed Status, rs Ruleset) (Report, error) {
	if err := rs.Validate(); err != nil {
		return Report{}, fmt.Errorf("invalid ruleset: %w", err)
	}
	cur := &state{present: installed.Present, exact: !installed.Modified, layout: installed.Ruleset.layout()}
	if installed.Present {
		for _, f := range families {
			cur.setOK[f] = installed.Ruleset.enabled(f)
			cur.spans[f] = spansOf(installed.Ruleset.prefixes(f), f)
		}
	}
	return makePlan(cur, prepare(rs)).report, nil
}

// maxAttempts bounds the retries when another process changes the
// ruleset between our read and our commit.
const maxAttempts = 3

// Apply makes the kernel enforce rs. The first apply creates the table
// with its sets, counters, chains and rules in one transaction; later ones
// send only the set elements that changed, plus, if the table's shape
// changed, the rules, chains, counters and sets that differ, in the same
// transaction (see Rebuilt). The guard runs first, against what is
// installed. If the kernel rejects the transaction, nothing of it takes
// effect and the previous ruleset stays in force.
//
// A netlink exchange cannot be interrupted; ctx is checked between them.
func (b *Backend) Apply(ctx context.Context, rs Ruleset, g Guard) (Report, error) {
	if err := rs.Validate(); err != nil {
		return Report{}, fmt.Errorf("nftables apply: invalid ruleset: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	want := prepareInto(rs, b.spare)
	old := b.cache
	rep, err := b.apply(ctx, want, g)
	var r refusal
	if err != nil && !errors.As(err, &r) {
		b.dropConn()
	}
	// Nothing refers to the spans that are not cached any more: the plan
	// and the report hold copies.
	if b.cache != nil && b.cache != old { // want is installed and cached
		b.spare = [2][]span{}
		if old != nil {
			b.spare = old.spans
		}
	} else {
		b.spare = want.spans
	}
	return rep, err
}

// refusal marks the errors after which the netlink socket is known to be
// fine (the guard said no, the context ended), so it is kept.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

func (b *Backend) apply(ctx context.Context, want desired, g Guard) (Report, error) {
	conn, err := b.connection()
	if err != nil {
		return Report{}, fmt.Errorf("nftables apply: %w", err)
	}
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return Report{}, refusal{fmt.Errorf("nftables apply: %w", err)}
		}
		cur, err := b.current(conn)
		if err != nil {
			return Report{}, fmt.Errorf("nftables apply: reading table inet %s: %w", TableName, err)
		}
		if err := g.check(cur.families(), want.families()); err != nil {
			return Report{}, refusal{fmt.Errorf("nftables apply: %w", err)}
		}
		p := makePlan(cur, want)
		if p.action == Unchanged {
			return p.report, nil
		}
		if p.action == Rebuilt && cur.inv == nil {
			// Changing the table in place needs its objects and rule
			// handles, which the cached state does not keep.
			gen := cur.gen
			if cur, err = b.read(conn); err != nil {
				return Report{}, fmt.Errorf("nftables apply: reading table inet %s: %w", TableName, err)
			}
			cur.gen = gen
			p = makePlan(cur, want)
		}
		if err := b.send(cur, want, p); err != nil {
			b.cache = nil
			if errors.Is(err, unix.ERESTART) && attempt < maxAttempts {
				continue // someone changed the ruleset since we read it
			}
			return Report{}, fmt.Errorf("nftables apply: kernel refused the transaction (%s table inet %s), the previous ruleset stays in force: %w",
				p.action, TableName, err)
		}
		// The commit was conditional on generation cur.gen and moved it on
		// by one: what we sent is installed at cur.gen+1. If anyone
		// commits after us, the generation moves past that and the next
		// apply reads the table instead of trusting this.
		b.cache = &state{gen: cur.gen + 1, present: true, layout: want.layout, exact: true, spans: want.spans, setOK: want.layout.fam}
		return p.report, nil
	}
}

// send builds the transaction for p and commits it, conditional on the
// generation cur was read at.
func (b *Backend) send(cur *state, want desired, p plan) error {
	nl, err := b.netlink()
	if err != nil {
		return err
	}
	t := &b.tx
	rec, err := t.recorder()
	if err != nil {
		return err
	}
	o := want.layout.build()
	switch p.action {
	case Updated:
		// Deletions first: the kernel checks each added element for
		// overlaps against the set as the transaction leaves it so far.
		for _, f := range families {
			t.setElements(unix.NFT_MSG_DELSETELEM, o.sets[f], p.del[f], false)
		}
		for _, f := range families {
			t.setElements(unix.NFT_MSG_NEWSETELEM, o.sets[f], p.add[f], true)
		}
	case Rebuilt:
		if err := reshape(t, rec, cur, o, p); err != nil {
			return err
		}
	case Created:
		addAll(t, rec, o, want.spans)
	}
	if b.beforeFlush != nil {
		b.beforeFlush(rec)
	}
	return t.commit(nl, cur.gen)
}

// addAll adds the whole table to the batch.
func addAll(t *txn, rec *nftables.Conn, o objects, spans [2][]span) {
	rec.AddTable(o.table)
	for _, f := range families {
		if o.sets[f] != nil {
			t.addSet(rec, o.sets[f], spans[f])
		}
	}
	for _, name := range o.counters {
		rec.AddObj(&nftables.CounterObj{Table: o.table, Name: name})
	}
	for _, c := range o.chains {
		rec.AddChain(c)
	}
	for _, r := range o.rules {
		rec.AddRule(r)
	}
}

// reshape adds to the batch what turns the installed table (cur.inv) into
// o in place. Within one transaction the order only has to respect
// references: rules go before the chains, sets and counters they use, and
// new sets and counters come before the rules that use them. What stays
// is not touched: a chain whose rules are unchanged, a set (only its
// element delta is sent), a counter (it keeps counting).
func reshape(t *txn, conn *nftables.Conn, cur *state, o objects, p plan) error {
	in := cur.inv
	if in.table.Flags != 0 {
		conn.AddTable(o.table) // wakes a dormant table
	}
	// Chains: keep, replace the rules of, or recreate.
	keep, refill := map[string]bool{}, map[string]bool{}
	for _, c := range o.chains {
		i := slices.IndexFunc(in.chains, func(d *nftables.Chain) bool { return d.Name == c.Name })
		switch {
		case i < 0:
		case !sameChain(c, in.chains[i]):
			// Hook, priority or policy cannot be changed in place. Only a
			// hand-edited table gets here.
			conn.DelChain(in.chains[i])
		case sameRules(o.chainRules(c), in.rules[c.Name]):
			keep[c.Name] = true
		default:
			refill[c.Name] = true
			for _, r := range in.rules[c.Name] {
				if err := conn.DelRule(r); err != nil {
					return fmt.Errorf("deleting rule %d of chain %s: %w", r.Handle, c.Name, err)
				}
			}
		}
	}
	for _, c := range in.chains {
		if !slices.ContainsFunc(o.chains, func(d *nftables.Chain) bool { return d.Name == c.Name }) {
			conn.DelChain(c)
		}
	}
	// Sets and objects that go, now that no rule uses them.
	for _, s := range in.sets {
		if f, ok := familyOfSet(s.Name); ok && o.sets[f] != nil && cur.setOK[f] {
			continue
		}
		s.Table = o.table
		conn.DelSet(s)
	}
	for _, c := range in.counters {
		if !slices.Contains(o.counters, c.Name) {
			c.Table = o.table
			conn.DeleteObject(c)
		}
	}
	for _, obj := range in.others {
		conn.DeleteObject(obj)
	}
	// Sets that stay get their delta, deletions first; new sets come
	// whole. (The element messages follow all of the above in the batch.)
	for _, f := range families {
		if o.sets[f] != nil && cur.setOK[f] {
			t.setElements(unix.NFT_MSG_DELSETELEM, o.sets[f], p.del[f], false)
		}
	}
	for _, f := range families {
		switch {
		case o.sets[f] == nil:
		case cur.setOK[f]:
			t.setElements(unix.NFT_MSG_NEWSETELEM, o.sets[f], p.add[f], true)
		default:
			t.addSet(conn, o.sets[f], p.add[f])
		}
	}
	for _, name := range o.counters {
		if !slices.ContainsFunc(in.counters, func(c *nftables.CounterObj) bool { return c.Name == name }) {
			conn.AddObj(&nftables.CounterObj{Table: o.table, Name: name})
		}
	}
	for _, c := range o.chains {
		if keep[c.Name] {
			continue
		}
		if !refill[c.Name] {
			conn.AddChain(c)
		}
		for _, r := range o.chainRules(c) {
			conn.AddRule(r)
		}
	}
	return nil
}

// familyOfSet maps a set name to its family.
func familyOfSet(name string) (family, bool) {
	for _, f := range families {
		if f.setName() == name {
			return f, true
		}
	}
	return 0, false
}

// Installed reads the table: its sets' intervals turned back into
// prefixes, its rules turned back into directions, and its counters.
func (b *Backend) Installed(ctx context.Context) (Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Status{}, fmt.Errorf("nftables status: %w", err)
	}
	conn, err := b.connection()
	if err != nil {
		return Status{}, fmt.Errorf("nftables status: %w", err)
	}
	cur, err := b.current(conn)
	var counters []*nftables.CounterObj
	switch {
	case err != nil:
	case cur.inv != nil:
		counters = cur.inv.counters
	case cur.present:
		counters, err = readCounters(conn)
	}
	if err != nil {
		b.dropConn()
		return Status{}, fmt.Errorf("nftables status: reading table inet %s: %w", TableName, err)
	}
	return cur.status(counters), nil
}

func (s *state) status(counters []*nftables.CounterObj) Status {
	if !s.present {
		return Status{}
	}
	st := Status{Present: true, Modified: !s.exact, Ruleset: s.layout.ruleset()}
	st.Ruleset.V4 = prefixesOf(mergedRanges(s.spans[v4]))
	st.Ruleset.V6 = prefixesOf(mergedRanges(s.spans[v6]))
	st.Elements4 = countElements(s.spans[v4])
	st.Elements6 = countElements(s.spans[v6])
	for _, id := range s.layout.rules() {
		c := Counter{Name: id.name(), Hook: id.hook, Match: id.match, Family: id.fam.number()}
		for _, o := range counters {
			if o.Name == c.Name {
				c.Packets, c.Bytes = o.Packets, o.Bytes
			}
		}
		st.Counters = append(st.Counters, c)
	}
	return st
}

// Remove deletes table inet seawall, and nothing else, in one
// transaction. It reports whether there was a table to remove.
func (b *Backend) Remove(ctx context.Context) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cache = nil
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("nftables remove: %w", err)
	}
	conn, err := b.connection()
	if err != nil {
		return false, fmt.Errorf("nftables remove: %w", err)
	}
	t, err := findTable(conn)
	if err != nil {
		b.dropConn()
		return false, fmt.Errorf("nftables remove: listing tables: %w", err)
	}
	if t == nil {
		return false, nil
	}
	conn.DelTable(t)
	if err := conn.Flush(); err != nil {
		b.dropConn()
		return false, fmt.Errorf("nftables remove: deleting table inet %s: %w", TableName, err)
	}
	return true, nil
}

// Close closes the Backend's netlink sockets. The rules stay in the
// kernel. A closed Backend opens new sockets if used again.
func (b *Backend) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	if b.conn != nil {
		errs = append(errs, b.conn.CloseLasting())
		b.conn = nil
	}
	if b.nl != nil {
		errs = append(errs, b.nl.Close())
		b.nl = nil
	}
	return errors.Join(errs...)
}

// connection returns the open netlink socket, opening it if needed. One
// socket serves every call: opening one in another namespace and closing
// it costs more than a whole set update.
func (b *Backend) connection() (*nftables.Conn, error) {
	if b.conn == nil {
		c, err := b.dial()
		if err != nil {
			return nil, err
		}
		b.conn = c
	}
	return b.conn, nil
}

// netlink returns the plain netlink socket, opening it if needed.
func (b *Backend) netlink() (*netlink.Conn, error) {
	if b.nl == nil {
		c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: b.netns})
		if err != nil {
			return nil, fmt.Errorf("opening netlink socket: %w", err)
		}
		// An error reply need not carry back the (up to 64 KiB) message
		// it refuses; the extended acknowledgement says what was wrong.
		_ = c.SetOption(netlink.CapAcknowledge, true)
		// Room for every reply to a batch (the rules the library has
		// echoed, errors), so none is dropped and mistaken for a refusal.
		_ = c.SetReadBuffer(1 << 20)
		b.nl = c
		b.tx.sndbuf = 0
	}
	return b.nl, nil
}

// dropConn closes the sockets after an error, so that the next call
// starts on fresh ones whatever state the error left them in.
func (b *Backend) dropConn() {
	if b.conn != nil {
		_ = b.conn.CloseLasting()
		b.conn = nil
	}
	if b.nl != nil {
		_ = b.nl.Close()
		b.nl = nil
	}
}

// dial opens a netlink socket in the configured namespace.
func (b *Backend) dial() (*nftables.Conn, error) {
	opts := []nftables.ConnOption{nftables.AsLasting()}
	if b.netns != 0 {
		opts = append(opts, nftables.WithNetNSFd(b.netns))
	}
	conn, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("opening netlink socket: %w", err)
	}
	return conn, nil
}

// current returns the installed state: the cached one if the ruleset's
// generation has not moved since, else what the kernel holds.
func (b *Backend) current(conn *nftables.Conn) (*state, error) {
	gen, err := conn.GetGen()
	if err != nil {
		return nil, fmt.Errorf("getting generation: %w", err)
	}
	if b.cache != nil && b.cache.gen == gen.ID {
		c := *b.cache
		return &c, nil
	}
	b.cache = nil
	s, err := b.read(conn)
	if err != nil {
		return nil, err
	}
	s.gen = gen.ID
	return s, nil
}

// read reads the table from the kernel. The reads are separate requests;
// a change in between is caught when the transaction built on them is
// committed against the generation read before them.
func (b *Backend) read(conn *nftables.Conn) (*state, error) {
	t, err := findTable(conn)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	if t == nil {
		return &state{}, nil
	}
	in := installed{table: t}
	if in.sets, err = conn.GetSets(t); err != nil {
		return nil, fmt.Errorf("listing sets: %w", err)
	}
	in.elements = map[string][]rawElem{}
	for _, s := range in.sets {
		f, ok := familyOfSet(s.Name)
		if !ok {
			continue
		}
		nl, err := b.netlink()
		if err != nil {
			return nil, err
		}
		if in.elements[s.Name], err = dumpSet(nl, s.Name, f); err != nil {
			return nil, fmt.Errorf("listing elements of set %s: %w", s.Name, err)
		}
	}
	chains, err := conn.ListChainsOfTableFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, fmt.Errorf("listing chains: %w", err)
	}
	in.rules = map[string][]*nftables.Rule{}
	for _, c := range chains {
		if c.Table == nil || c.Table.Name != TableName {
			continue
		}
		in.chains = append(in.chains, c)
		c.Table = t
		if in.rules[c.Name], err = conn.GetRules(t, c); err != nil {
			return nil, fmt.Errorf("listing rules of chain %s: %w", c.Name, err)
		}
	}
	objs, err := conn.GetObjects(t)
	if err != nil {
		return nil, fmt.Errorf("listing objects: %w", err)
	}
	for _, o := range objs {
		if c, ok := o.(*nftables.CounterObj); ok {
			in.counters = append(in.counters, c)
		} else {
			in.others = append(in.others, o)
		}
	}
	s := &state{present: true, inv: &in}
	s.layout, s.exact = decodeLayout(in)
	want := layout{fam: [2]bool{true, true}}.build()
	for _, set := range in.sets {
		if f, ok := familyOfSet(set.Name); ok && sameSet(want.sets[f], set) {
			s.setOK[f] = true
			s.spans[f] = decodeElements(in.elements[f.setName()], f.bits())
		}
	}
	return s, nil
}

// readCounters reads the named counters of the table.
func readCounters(conn *nftables.Conn) ([]*nftables.CounterObj, error) {
	objs, err := conn.GetObjects(newTable())
	if err != nil {
		return nil, err
	}
	var out []*nftables.CounterObj
	for _, o := range objs {
		if c, ok := o.(*nftables.CounterObj); ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// findTable returns table inet seawall, or nil if there is none. It lists
// the inet tables rather than asking for the one by name so that "not
// there" is an empty answer rather than an error to interpret.
func findTable(conn *nftables.Conn) (*nftables.Table, error) {
	ts, err := conn.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.Name == TableName {
			return t, nil
		}
	}
	return nil, nil
}
