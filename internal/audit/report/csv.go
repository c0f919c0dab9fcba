package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit"
)

// csvHeader names WriteCSV's columns.
var csvHeader = []string{"severity", "rule", "title", "device", "vendor", "file", "line", "message", "remediation"}

// WriteCSV writes one finding per row (RFC 4180, header first). The line
// is empty for findings about something absent from the configuration.
//
// Device configurations are attacker-controlled text, so a cell that a
// spreadsheet would run as a formula (starting with =, +, -, @, tab or
// carriage return) is prefixed with a single quote.
func WriteCSV(w io.Writer, r *audit.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, f := range r.Findings {
		file, line := f.Location()
		l := ""
		if line > 0 {
			l = strconv.Itoa(line)
		}
		row := []string{f.Severity.String(), f.RuleID, f.Title, f.Device, string(f.Vendor), file, l, f.Message, f.Remediation}
		for i, c := range row {
			row[i] = defuse(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps a cell from being read as a spreadsheet formula.
func defuse(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
