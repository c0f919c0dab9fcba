package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seawall/seawall/internal/alert"
	"github.com/seawall/seawall/internal/flow"
	"github.com/seawall/seawall/internal/severity"
)

// Dim is a dimension TopBy groups by.
type Dim string

// Dimensions.
const (
	// ByCountry ranks countries by the traffic to or from them; a flow
	// between two addresses of one country counts once.
	ByCountry Dim = "country"
	// ByASN does the same for origin ASes.
	ByASN Dim = "asn"
	// ByExporter ranks the exporters that metered the traffic.
	ByExporter Dim = "exporter"
	// ByPort ranks protocol/port pairs (tcp/443).
	ByPort Dim = "port"
	// ByProto ranks IP protocols.
	ByProto Dim = "proto"
)

// Dims lists the dimensions, in the order help shows them.
var Dims = []Dim{ByCountry, ByASN, ByExporter, ByPort, ByProto}

// ParseDim reads a dimension name.
func ParseDim(s string) (Dim, error) {
	for _, d := range Dims {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	names := make([]string, len(Dims))
	for i, d := range Dims {
		names[i] = string(d)
	}
	return "", fmt.Errorf("%q is not one of %s", s, strings.Join(names, ", "))
}

// TopRow is one ranked key.
type TopRow struct {
	// Key is the country code, "AS4134", the exporter address, "tcp/443"
	// or "udp".
	Key string `json:"key"`
	Counters
}

var topQueries = map[Dim]string{
	ByCountry: `SELECT k, sum(bytes), sum(packets), sum(flows) FROM (
		SELECT src_country AS k, bytes, packets, flows FROM minutes WHERE minute >= ?1 AND src_country != ''
		UNION ALL
		SELECT dst_country, bytes, packets, flows FROM minutes WHERE minute >= ?1 AND dst_country != '' AND dst_country != src_country
	) GROUP BY k ORDER BY 2 DESC, 1 LIMIT ?2`,
	ByASN: `SELECT k, sum(bytes), sum(packets), sum(flows) FROM (
		SELECT src_asn AS k, bytes, packets, flows FROM minutes WHERE minute >= ?1 AND src_asn != 0
		UNION ALL
		SELECT dst_asn, bytes, packets, flows FROM minutes WHERE minute >= ?1 AND dst_asn != 0 AND dst_asn != src_asn
	) GROUP BY k ORDER BY 2 DESC, 1 LIMIT ?2`,
	ByExporter: `SELECT exporter, sum(bytes), sum(packets), sum(flows) FROM minutes WHERE minute >= ?1
		GROUP BY exporter ORDER BY 2 DESC, 1 LIMIT ?2`,
	ByPort: `SELECT proto || '/' || port, sum(bytes), sum(packets), sum(flows) FROM minutes WHERE minute >= ?1 AND port != 0
		GROUP BY proto, port ORDER BY 2 DESC, 1 LIMIT ?2`,
	ByProto: `SELECT proto, sum(bytes), sum(packets), sum(flows) FROM minutes WHERE minute >= ?1
		GROUP BY proto ORDER BY 2 DESC, 1 LIMIT ?2`,
}

// TopBy ranks the values of dim by bytes over the aggregates from since
// (rounded down to its minute) on, at most limit rows (0: 10).
func (s *Store) TopBy(ctx context.Context, dim Dim, since time.Time, limit int) ([]TopRow, error) {
	q, ok := topQueries[dim]
	if !ok {
		return nil, fmt.Errorf("store: no dimension %q", dim)
	}
	if limit <= 0 {
		limit = 10
	}
	from := since.Unix()
	from -= from % 60
	rows, err := s.db.QueryContext(ctx, q, from, limit)
	if err != nil {
		return nil, fmt.Errorf("store: top by %s: %w", dim, err)
	}
	defer rows.Close()
	var out []TopRow
	for rows.Next() {
		var (
			key      string
			b, p, fl int64
		)
		if err := rows.Scan(&key, &b, &p, &fl); err != nil {
			return nil, fmt.Errorf("store: top by %s: %w", dim, err)
		}
		switch dim {
		case ByASN:
			key = "AS" + key
		case ByProto:
			key = protoName(key)
		case ByPort:
			if proto, port, ok := strings.Cut(key, "/"); ok {
				key = protoName(proto) + "/" + port
			}
		}
		out = append(out, TopRow{Key: key, Counters: Counters{Bytes: uint64(b), Packets: uint64(p), Flows: uint64(fl)}})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: top by %s: %w", dim, err)
	}
	return out, nil
}

// protoName names a stored protocol number (flow.ProtoName).
func protoName(num string) string {
	n, err := strconv.ParseUint(num, 10, 8)
	if err != nil {
		return num
	}
	return flow.ProtoName(uint8(n))
}

// Alerts returns the alerts whose last evidence is at or after since and
// whose severity is at least min, newest first, at most limit (0: 100).
func (s *Store) Alerts(ctx context.Context, since time.Time, min severity.Level, limit int) ([]alert.Alert, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT body FROM alerts WHERE last >= ? AND severity >= ?
		ORDER BY last DESC, id DESC LIMIT ?`, since.UnixNano(), int(min), limit)
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	defer rows.Close()
	var out []alert.Alert
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("store: alerts: %w", err)
		}
		var a alert.Alert
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return nil, fmt.Errorf("store: alerts: a stored alert does not decode: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	return out, nil
}

// Exporters returns every exporter, ordered by address.
func (s *Store) Exporters(ctx context.Context) ([]Exporter, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT address, first_seen, last_seen, datagrams, flows, errors, templates FROM exporters ORDER BY address`)
	if err != nil {
		return nil, fmt.Errorf("store: exporters: %w", err)
	}
	defer rows.Close()
	var out []Exporter
	for rows.Next() {
		var (
			addr       string
			e          Exporter
			dg, fl, er int64
		)
		if err := rows.Scan(&addr, &e.FirstSeen, &e.LastSeen, &dg, &fl, &er, &e.Templates); err != nil {
			return nil, fmt.Errorf("store: exporters: %w", err)
		}
		e.Address, _ = netip.ParseAddr(addr)
		e.Datagrams, e.Flows, e.Errors = uint64(dg), uint64(fl), uint64(er)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: exporters: %w", err)
	}
	slices.SortFunc(out, func(a, b Exporter) int { return a.Address.Compare(b.Address) })
	return out, nil
}
