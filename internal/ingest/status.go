package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Status is what the collector reports: its listeners and exporters.
type Status struct {
	Listeners []ListenerStatus `json:"listeners"`
	Exporters []ExporterStatus `json:"exporters"`
}

// ListenerStatus is one listen address.
type ListenerStatus struct {
	Protocol string `json:"protocol"`
	Address  string `json:"address"`
	Sockets  int    `json:"sockets"`
	// ReadBuffer is each socket's receive buffer as the kernel reports it
	// (SO_RCVBUF: twice the payload bytes asked for, for bookkeeping).
	ReadBuffer int `json:"read_buffer"`
	// Forced says SO_RCVBUFFORCE set it past net.core.rmem_max.
	Forced bool `json:"read_buffer_forced"`
	// BySource says each exporter's datagrams reach one socket, chosen by
	// source address (reuseport BPF); otherwise by the kernel's 4-tuple hash.
	BySource bool `json:"by_source"`
	// KernelDrops counts datagrams the kernel dropped on a full socket
	// buffer, all sockets (SO_MEMINFO).
	KernelDrops uint64 `json:"kernel_drops"`
	// NotAllowed counts datagrams from outside allowed_exporters.
	NotAllowed uint64 `json:"not_allowed"`
	// Overflow counts datagrams from sources beyond the exporter limit.
	Overflow  uint64 `json:"overflow,omitempty"`
	Datagrams uint64 `json:"datagrams"`
	Flows     uint64 `json:"flows"`
	Errors    uint64 `json:"errors"`
}

// ExporterStatus is one exporter (UDP source) on one listener.
type ExporterStatus struct {
	Protocol  string     `json:"protocol"`
	Address   netip.Addr `json:"address"`
	Datagrams uint64     `json:"datagrams"`
	Flows     uint64     `json:"flows"`
	// Errors counts datagrams dropped whole or in part: malformed,
	// truncated, or data sets whose template is not yet known.
	Errors    uint64    `json:"errors"`
	Templates int       `json:"templates"`
	LastSeen  time.Time `json:"last_seen"`
}

// Status returns the counters now; safe while Run runs.
func (c *Collector) Status() Status {
	var st Status
	for _, l := range c.listeners {
		ls := ListenerStatus{Protocol: l.proto.String(), Address: l.addr.String(), Sockets: len(l.readers),
			ReadBuffer: l.group.readBuffer, Forced: l.group.forced, BySource: l.group.bySource}
		byAddr := map[netip.Addr]*ExporterStatus{}
		for _, r := range l.readers {
			if d, err := kernelDrops(r.conn); err == nil {
				ls.KernelDrops += d
			}
			ls.NotAllowed += r.notAllowed.Load()
			ls.Overflow += r.overflow.Load()
			r.mu.Lock()
			for a, es := range r.exporters {
				e := byAddr[a]
				if e == nil {
					e = &ExporterStatus{Protocol: ls.Protocol, Address: a}
					byAddr[a] = e
				}
				e.Datagrams += es.datagrams.Load()
				e.Flows += es.flows.Load()
				e.Errors += es.errors.Load()
				e.Templates = max(e.Templates, int(es.templates.Load()))
				if t := time.Unix(0, es.lastSeen.Load()).UTC(); t.After(e.LastSeen) {
					e.LastSeen = t
				}
			}
			r.mu.Unlock()
		}
		for _, e := range byAddr {
			ls.Datagrams += e.Datagrams
			ls.Flows += e.Flows
			ls.Errors += e.Errors
			st.Exporters = append(st.Exporters, *e)
		}
		st.Listeners = append(st.Listeners, ls)
	}
	slices.SortFunc(st.Exporters, func(a, b ExporterStatus) int {
		return cmp.Or(cmp.Compare(a.Protocol, b.Protocol), a.Address.Compare(b.Address))
	})
	return st
}

// Metric descriptors; the values are read at scrape time from the
// readers' own counters, so the hot path updates no Prometheus vector.
var (
	descDatagrams = prometheus.NewDesc("seawall_flow_datagrams_total",
		"Flow datagrams received per exporter (UDP source).", []string{"protocol", "exporter"}, nil)
	descFlows = prometheus.NewDesc("seawall_flow_records_total",
		"Flow records decoded per exporter.", []string{"protocol", "exporter"}, nil)
	descErrors = prometheus.NewDesc("seawall_flow_decode_errors_total",
		"Datagrams per exporter that failed to decode in whole or part (malformed, truncated, unknown template).", []string{"protocol", "exporter"}, nil)
	descTemplates = prometheus.NewDesc("seawall_flow_templates",
		"NetFlow v9/IPFIX templates held per exporter.", []string{"protocol", "exporter"}, nil)
	descNotAllowed = prometheus.NewDesc("seawall_flow_not_allowed_total",
		"Datagrams dropped because their source is outside allowed_exporters.", []string{"protocol"}, nil)
	descOverflow = prometheus.NewDesc("seawall_flow_exporter_overflow_total",
		"Datagrams dropped because too many exporters are tracked.", []string{"protocol"}, nil)
	descDrops = prometheus.NewDesc("seawall_flow_kernel_drops_total",
		"Datagrams the kernel dropped on a full socket receive buffer (SO_MEMINFO), per socket.", []string{"protocol", "socket"}, nil)
	descBuffer = prometheus.NewDesc("seawall_flow_socket_receive_buffer_bytes",
		"Each socket's receive buffer as the kernel reports it (SO_RCVBUF).", []string{"protocol"}, nil)
)

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descDatagrams, descFlows, descErrors, descTemplates, descNotAllowed, descOverflow, descDrops, descBuffer} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	st := c.Status()
	for _, e := range st.Exporters {
		a := e.Address.String()
		ch <- prometheus.MustNewConstMetric(descDatagrams, prometheus.CounterValue, float64(e.Datagrams), e.Protocol, a)
		ch <- prometheus.MustNewConstMetric(descFlows, prometheus.CounterValue, float64(e.Flows), e.Protocol, a)
		ch <- prometheus.MustNewConstMetric(descErrors, prometheus.CounterValue, float64(e.Errors), e.Protocol, a)
		if e.Protocol == NetFlow.String() {
			ch <- prometheus.MustNewConstMetric(descTemplates, prometheus.GaugeValue, float64(e.Templates), e.Protocol, a)
		}
	}
	for i, ls := range st.Listeners {
		l := c.listeners[i]
		ch <- prometheus.MustNewConstMetric(descNotAllowed, prometheus.CounterValue, float64(ls.NotAllowed), ls.Protocol)
		ch <- prometheus.MustNewConstMetric(descOverflow, prometheus.CounterValue, float64(ls.Overflow), ls.Protocol)
		ch <- prometheus.MustNewConstMetric(descBuffer, prometheus.GaugeValue, float64(ls.ReadBuffer), ls.Protocol)
		for j, r := range l.readers {
			if d, err := kernelDrops(r.conn); err == nil {
				ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(d), ls.Protocol, strconv.Itoa(j))
			}
		}
	}
}

// TemplateFileName is the template file's name in the data directory.
const TemplateFileName = "flow-templates.bin"

func readTemplates(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// writeTemplates replaces path atomically: a crash leaves the old file or
// the new one, never half of one.
func writeTemplates(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".flow-templates-*")
	if err != nil {
		return fmt.Errorf("saving flow templates: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(b)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("saving flow templates to %s: %w", path, err)
	}
	return nil
}
