package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/severity"
)

var addrs = cmpopts.EquateComparable(netip.Addr{})

func open(t *testing.T, path string, cfg Config) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.db.Close() })
	return s
}

func flush(t *testing.T, s *Store) {
	t.Helper()
	if err := s.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func integrity(t *testing.T, s *Store) {
	t.Helper()
	var res string
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check: %q, %v", res, err)
	}
}

var (
	exp1 = netip.MustParseAddr("192.0.2.1")
	exp2 = netip.MustParseAddr("2001:db8::1")
	base = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
)

func TestOpenReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", FileName)
	for i := range 3 {
		s, err := Open(t.Context(), path, Config{})
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if v, err := s.version(t.Context()); err != nil || v != SchemaVersion() {
			t.Errorf("open %d: schema version %d, %v", i, v, err)
		}
		s.AddFlow(MinuteKey{Minute: base.Unix(), Exporter: exp1, Proto: 6, Port: 443}, Counters{Bytes: 100, Packets: 1, Flows: 1})
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	r, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := r.TopBy(t.Context(), ByExporter, base, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []TopRow{{Key: "192.0.2.1", Counters: Counters{Bytes: 300, Packets: 3, Flows: 3}}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("after three opens (-want +got):\n%s", diff)
	}
	if err := r.Flush(t.Context()); err == nil {
		t.Error("Flush on a read-only store succeeded")
	}
	if _, err := r.db.ExecContext(t.Context(), "DELETE FROM minutes"); err == nil {
		t.Error("a write through a read-only store succeeded")
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	t.Parallel()
	_, err := OpenReadOnly(t.Context(), filepath.Join(t.TempDir(), FileName))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenReadOnly of a missing store: %v, want fs.ErrNotExist", err)
	}
}

func TestNewerSchema(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path, Config{})
	if _, err := s.db.ExecContext(t.Context(), "PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_ = s.db.Close()
	if _, err := Open(t.Context(), path, Config{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open of a newer schema: %v", err)
	}
	if _, err := OpenReadOnly(t.Context(), path); err == nil || !strings.Contains(err.Error(), "upgrade seawall") {
		t.Errorf("OpenReadOnly of a newer schema: %v", err)
	}
}

// TestBatchedWrites: repeated keys sum in memory, one flush is one
// transaction, and later batches accumulate onto stored rows.
func TestBatchedWrites(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), FileName), Config{})
	k := MinuteKey{Minute: base.Unix() + 17, Exporter: netip.MustParseAddr("::ffff:192.0.2.1"), Direction: flow.DirIngress,
		SrcCountry: "CN", DstCountry: "US", SrcASN: 4134, DstASN: 7018, Proto: 6, Port: 22}
	for range 1000 {
		s.AddFlow(k, Counters{Bytes: 10, Packets: 2, Flows: 1})
	}
	if st := s.Stats(); st.Pending != 1 {
		t.Errorf("pending %d rows for one key, want 1", st.Pending)
	}
	flush(t, s)
	s.AddFlow(k, Counters{Bytes: 5, Packets: 1, Flows: 1})
	s.AddExporter(Exporter{Address: exp1, FirstSeen: 200, LastSeen: 300, Datagrams: 5, Flows: 50, Templates: 2})
	s.AddExporter(Exporter{Address: exp1, FirstSeen: 100, LastSeen: 400, Datagrams: 1, Flows: 10, Errors: 1, Templates: 3})
	flush(t, s)
	s.AddExporter(Exporter{Address: exp1, FirstSeen: 500, LastSeen: 500, Datagrams: 1, Templates: 4})
	flush(t, s)
	flush(t, s) // nothing pending: no transaction

	var got struct {
		minute, bytes, packets, flows int64
		exporter                      string
	}
	if err := s.db.QueryRowContext(t.Context(), "SELECT minute, exporter, bytes, packets, flows FROM minutes").
		Scan(&got.minute, &got.exporter, &got.bytes, &got.packets, &got.flows); err != nil {
		t.Fatal(err)
	}
	if got.minute != base.Unix() || got.exporter != "192.0.2.1" || got.bytes != 10005 || got.packets != 2001 || got.flows != 1001 {
		t.Errorf("aggregate row %+v", got)
	}
	if n := count(t, s, "minutes"); n != 1 {
		t.Errorf("%d aggregate rows, want 1", n)
	}
	ex, err := s.Exporters(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []Exporter{{Address: exp1, FirstSeen: 100, LastSeen: 500, Datagrams: 7, Flows: 60, Errors: 1, Templates: 4}}
	if diff := cmp.Diff(want, ex, addrs); diff != "" {
		t.Errorf("exporters (-want +got):\n%s", diff)
	}
	st := s.Stats()
	if st.Flushes != 3 || st.Rows != 4 || st.Pending != 0 {
		t.Errorf("stats %+v, want 3 flushes of 4 rows", st)
	}
}

// TestAbruptClose: rows added but not flushed when the process dies are
// lost; every flushed batch survives, and the store reopens cleanly.
func TestAbruptClose(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	s, err := Open(t.Context(), path, Config{})
	if err != nil {
		t.Fatal(err)
	}
	for b := range 3 {
		for i := range 10 {
			s.AddFlow(MinuteKey{Minute: base.Unix() + int64(b*60), Exporter: exp1, Port: uint16(i)}, Counters{Flows: 1})
		}
		s.AddAlert(alert.Alert{Rule: "R", Key: fmt.Sprint(b), First: 1, Last: base.UnixNano()})
		if b < 2 {
			flush(t, s)
		}
	}
	if err := s.db.Close(); err != nil { // no flush: the third batch dies with the process
		t.Fatal(err)
	}
	s = open(t, path, Config{})
	integrity(t, s)
	if n := count(t, s, "minutes"); n != 20 {
		t.Errorf("%d aggregate rows after reopening, want the 20 of two flushed batches", n)
	}
	if n := count(t, s, "alerts"); n != 2 {
		t.Errorf("%d alerts after reopening, want 2", n)
	}
}

const crashEnv = "SEAWALL_STORE_CRASH_CHILD"

// TestCrashChild is the child of TestCrash: it writes batches of 100
// rows until killed, printing each committed batch's number.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	s, err := Open(context.Background(), path, Config{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for b := 0; ; b++ {
		for i := range 100 {
			s.AddFlow(MinuteKey{Minute: int64(b) * 60, Exporter: exp1, Port: uint16(i + 1)}, Counters{Bytes: 1, Packets: 1, Flows: 1})
		}
		if err := s.Flush(context.Background()); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println("batch", b)
	}
}

// TestCrash kills a writer with SIGKILL in the middle of its work: the
// store reopens cleanly with every batch it reported committed, and
// whole batches only.
func TestCrash(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	path := filepath.Join(t.TempDir(), FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	committed := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "error") {
			t.Fatal(line)
		}
		if strings.HasPrefix(line, "batch ") {
			committed++
		}
		if committed == 8 {
			break
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if committed < 8 {
		t.Fatalf("child reported %d batches before it ended", committed)
	}
	s := open(t, path, Config{})
	integrity(t, s)
	n := count(t, s, "minutes")
	if n < committed*100 || n%100 != 0 {
		t.Errorf("%d rows after the crash; want whole batches of 100, at least %d", n, committed*100)
	}
	var partial int
	if err := s.db.QueryRowContext(t.Context(), "SELECT count(*) FROM (SELECT minute FROM minutes GROUP BY minute HAVING count(*) != 100)").Scan(&partial); err != nil || partial != 0 {
		t.Errorf("%d minutes hold a partial batch (%v)", partial, err)
	}
}

func TestFlushFailure(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), FileName), Config{BatchRows: 1})
	_ = s.db.Close() // every write now fails
	for i := range 5 {
		s.AddAlert(alert.Alert{Rule: "R", Key: fmt.Sprint(i)})
	}
	if err := s.Flush(t.Context()); err == nil {
		t.Fatal("Flush on a closed database succeeded")
	}
	if st := s.Stats(); st.Pending != 5 || st.FlushErrors != 1 || st.DroppedRows != 0 || st.LastError == "" {
		t.Errorf("after one failure: %+v, want the 5 rows kept", st)
	}
	for i := range 20 {
		s.AddAlert(alert.Alert{Rule: "R", Key: fmt.Sprint(i + 5)})
	}
	_ = s.Flush(t.Context())
	if st := s.Stats(); st.Pending != 0 || st.DroppedRows != 25 {
		t.Errorf("past the pending bound: %+v, want 25 dropped", st)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), FileName), Config{FlushInterval: 5 * time.Minute, BatchRows: 10})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for i := range 10 { // a full batch is flushed without waiting for the interval
		s.AddFlow(MinuteKey{Minute: time.Now().Unix(), Exporter: exp1, Port: uint16(i)}, Counters{Flows: 1})
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Flushes == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a full batch was not flushed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.AddAlert(alert.Alert{Rule: "R", Key: "k", Last: time.Now().UnixNano()})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "alerts"); n != 1 {
		t.Errorf("stopping Run left %d alerts stored, want the pending one", n)
	}
}

func TestRetention(t *testing.T) {
	t.Parallel()
	now := base
	day := 24 * time.Hour
	tests := []struct {
		name string
		ret  Retention
		want Pruned
	}{
		{"defaults", DefaultConfig().Retention, Pruned{Alerts: 1, Aggregates: 2, Exporters: 1}},
		{"short", Retention{AlertsDays: 1, AggregatesDays: 1, ExportersDays: 1}, Pruned{Alerts: 3, Aggregates: 3, Exporters: 2}},
		{"forever", Retention{AlertsDays: 0, AggregatesDays: 0, ExportersDays: 0}, Pruned{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, filepath.Join(t.TempDir(), FileName), Config{})
			s.cfg.Retention = tt.ret
			for i, age := range []time.Duration{0, 2 * day, 40 * day, 401 * day} {
				at := now.Add(-age)
				s.AddAlert(alert.Alert{Rule: "R", Key: fmt.Sprint(i), First: at.UnixNano(), Last: at.UnixNano()})
				s.AddFlow(MinuteKey{Minute: at.Unix(), Exporter: exp1}, Counters{Flows: 1})
			}
			s.AddExporter(Exporter{Address: exp1, LastSeen: now.UnixNano()})
			s.AddExporter(Exporter{Address: exp2, LastSeen: now.Add(-500 * day).UnixNano()})
			s.AddExporter(Exporter{Address: netip.MustParseAddr("198.51.100.1"), LastSeen: now.Add(-3 * day).UnixNano()})
			flush(t, s)
			got, err := s.Prune(t.Context(), now)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("pruned (-want +got):\n%s", diff)
			}
			if n := count(t, s, "alerts"); n != 4-int(tt.want.Alerts) {
				t.Errorf("%d alerts left", n)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr []string
	}{
		{"defaults", func(*Config) {}, nil},
		{"keep forever", func(c *Config) { c.Retention = Retention{} }, nil},
		{"negative", func(c *Config) { c.Retention.AlertsDays, c.Retention.AggregatesDays = -1, -2 }, []string{"retention.alerts_days", "retention.aggregates_days"}},
		{"interval", func(c *Config) { c.FlushInterval = time.Hour }, []string{"flush_interval"}},
		{"tiny interval", func(c *Config) { c.FlushInterval = time.Millisecond }, []string{"flush_interval"}},
		{"batch", func(c *Config) { c.BatchRows = -1 }, []string{"batch_rows"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err != nil) != (len(tt.wantErr) > 0) {
				t.Fatalf("Validate: %v, want errors %q", err, tt.wantErr)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path, Config{})
	m := base.Unix()
	add := func(minute int64, exp netip.Addr, sc, dc string, sa, da uint32, proto uint8, port uint16, bytes uint64) {
		s.AddFlow(MinuteKey{Minute: minute, Exporter: exp, SrcCountry: sc, DstCountry: dc, SrcASN: sa, DstASN: da, Proto: proto, Port: port},
			Counters{Bytes: bytes, Packets: bytes / 100, Flows: 1})
	}
	add(m, exp1, "CN", "US", 4134, 7018, 6, 443, 5000)
	add(m, exp1, "US", "US", 7018, 7018, 17, 53, 300)
	add(m+60, exp2, "US", "RU", 7018, 12389, 6, 22, 2000)
	add(m+120, exp2, "", "DE", 0, 3320, 1, 0, 100)
	add(m-3600, exp1, "KP", "US", 131279, 7018, 6, 443, 1_000_000) // before since
	h := severity.High
	s.AddAlert(alert.Alert{Rule: "DET-FLOW-001", Key: "a", Severity: h, First: base.UnixNano(), Last: base.UnixNano(), Count: 1, Src: exp1})
	s.AddAlert(alert.Alert{Rule: "DET-FLOW-001", Key: "a", Severity: h, First: base.UnixNano(), Last: base.Add(time.Minute).UnixNano(), Count: 5, Src: exp1})
	s.AddAlert(alert.Alert{Rule: "DET-FLOW-002", Key: "b", Severity: severity.Low, First: base.UnixNano(), Last: base.Add(2 * time.Minute).UnixNano(), Count: 1})
	s.AddAlert(alert.Alert{Rule: "DET-LOG-001", Key: "c", Severity: severity.Critical, First: 1, Last: base.Add(-time.Hour).UnixNano(), Count: 1})
	flush(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	since := base.Add(30 * time.Second) // rounds down to base's minute
	top := []struct {
		dim  Dim
		want []TopRow
	}{
		{ByCountry, []TopRow{
			{"US", Counters{7300, 73, 3}}, {"CN", Counters{5000, 50, 1}}, {"RU", Counters{2000, 20, 1}}, {"DE", Counters{100, 1, 1}}}},
		{ByASN, []TopRow{
			{"AS7018", Counters{7300, 73, 3}}, {"AS4134", Counters{5000, 50, 1}}, {"AS12389", Counters{2000, 20, 1}}, {"AS3320", Counters{100, 1, 1}}}},
		{ByExporter, []TopRow{{"192.0.2.1", Counters{5300, 53, 2}}, {"2001:db8::1", Counters{2100, 21, 2}}}},
		{ByPort, []TopRow{{"tcp/443", Counters{5000, 50, 1}}, {"tcp/22", Counters{2000, 20, 1}}, {"udp/53", Counters{300, 3, 1}}}},
		{ByProto, []TopRow{{"tcp", Counters{7000, 70, 2}}, {"udp", Counters{300, 3, 1}}, {"icmp", Counters{100, 1, 1}}}},
	}
	for _, tt := range top {
		got, err := r.TopBy(t.Context(), tt.dim, since, 10)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("TopBy(%s) (-want +got):\n%s", tt.dim, diff)
		}
	}
	if got, _ := r.TopBy(t.Context(), ByCountry, since, 2); len(got) != 2 {
		t.Errorf("limit 2: %d rows", len(got))
	}
	if _, err := ParseDim("colour"); err == nil {
		t.Error("ParseDim accepted colour")
	}

	alerts := []struct {
		name  string
		since time.Time
		min   severity.Level
		limit int
		want  []string // rule/key/count
	}{
		{"recent", base, severity.Info, 0, []string{"DET-FLOW-002/b/1", "DET-FLOW-001/a/5"}},
		{"high", base, severity.High, 0, []string{"DET-FLOW-001/a/5"}},
		{"all", base.Add(-2 * time.Hour), severity.Info, 0, []string{"DET-FLOW-002/b/1", "DET-FLOW-001/a/5", "DET-LOG-001/c/1"}},
		{"limit", base.Add(-2 * time.Hour), severity.Info, 1, []string{"DET-FLOW-002/b/1"}},
	}
	for _, tt := range alerts {
		got, err := r.Alerts(t.Context(), tt.since, tt.min, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range got {
			ids = append(ids, fmt.Sprintf("%s/%s/%d", a.Rule, a.Key, a.Count))
		}
		if diff := cmp.Diff(tt.want, ids); diff != "" {
			t.Errorf("Alerts %s (-want +got):\n%s", tt.name, diff)
		}
	}
	got, _ := r.Alerts(t.Context(), base, severity.High, 0)
	if len(got) != 1 || got[0].Src != exp1 {
		t.Errorf("stored alert does not round-trip: %+v", got)
	}
}

// TestReadWhileWriting: the CLI reads the store while the daemon holds it
// open and keeps committing.
func TestReadWhileWriting(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), FileName)
	w := open(t, path, Config{})
	r, err := OpenReadOnly(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 1; i <= 3; i++ {
		w.AddFlow(MinuteKey{Minute: base.Unix(), Exporter: exp1, Proto: 6, Port: 443}, Counters{Bytes: 1, Flows: 1})
		w.AddFlow(MinuteKey{Minute: base.Unix(), Exporter: exp2, Proto: 6, Port: 443}, Counters{Bytes: 1, Flows: 1})
		flush(t, w)
		rows, err := r.TopBy(t.Context(), ByExporter, base, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Flows != uint64(i) {
			t.Errorf("after %d flushes the reader sees %+v", i, rows)
		}
	}
}
