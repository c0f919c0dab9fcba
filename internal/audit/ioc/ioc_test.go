package ioc

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// TestRules runs each rule alone over its failing fixtures, with and
// without the inventory, and checks the rule ids, severities and evidence
// lines. The passing fixtures are the clean.cfg files (TestClean) and the
// with-inventory cases that come back empty.
func TestRules(t *testing.T) {
	tests := []struct {
		file string
		inv  bool
		rule string
		want []got
	}{
		{"eos/005.cfg", false, "IOC-CFG-005", []got{{"IOC-CFG-005", "medium", []int{2, 5}}}},
		{"eos/005.cfg", true, "IOC-CFG-005", nil},
		{"eos/006.cfg", false, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{3}}}},
		{"eos/006.cfg", true, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{3}}}},
		{"eos/008.cfg", false, "IOC-CFG-008", []got{{"IOC-CFG-008", "medium", []int{7}}}},
		{"eos/008.cfg", true, "IOC-CFG-008", []got{{"IOC-CFG-008", "high", []int{3}}, {"IOC-CFG-008", "medium", []int{7}}}},
		{"eos/009.cfg", false, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}}},
		{"eos/009.cfg", true, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}, {"IOC-CFG-009", "medium", []int{4}}}},
		{"eos/010.cfg", false, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{3}}}},
		{"eos/010.cfg", true, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{3}}}},
		{"eos/011.cfg", false, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{4}}, {"IOC-CFG-011", "medium", []int{3}}}},
		{"eos/011.cfg", true, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{4}}, {"IOC-CFG-011", "medium", []int{3}}}},
		{"eos/012.cfg", false, "IOC-CFG-012", nil},
		{"eos/012.cfg", true, "IOC-CFG-012", []got{{"IOC-CFG-012", "medium", []int{2, 3}}}},
		{"eos/013.cfg", false, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{2}}}},
		{"eos/013.cfg", true, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{2}}}},
		{"eos/015.cfg", false, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}}},
		{"eos/015.cfg", true, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}}},
		{"eos/017.cfg", false, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2, 4}}, {"IOC-CFG-017", "medium", []int{5, 6}}}},
		{"eos/017.cfg", true, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2, 4}}, {"IOC-CFG-017", "medium", []int{5, 6}}}},
		{"eos/018.cfg", false, "IOC-CFG-018", nil},
		{"eos/018.cfg", true, "IOC-CFG-018", []got{{"IOC-CFG-018", "medium", []int{2}}}},
		{"ios/001.cfg", false, "IOC-CFG-001", []got{{"IOC-CFG-001", "high", []int{3, 11, 12}}, {"IOC-CFG-001", "medium", []int{5}}, {"IOC-CFG-001", "medium", []int{8}}}},
		{"ios/001.cfg", true, "IOC-CFG-001", []got{{"IOC-CFG-001", "high", []int{3, 11, 12}}, {"IOC-CFG-001", "medium", []int{8}}}},
		{"ios/002.cfg", false, "IOC-CFG-002", []got{{"IOC-CFG-002", "high", []int{2, 7, 8}}, {"IOC-CFG-002", "medium", []int{3}}, {"IOC-CFG-002", "medium", []int{4}}}},
		{"ios/002.cfg", true, "IOC-CFG-002", []got{{"IOC-CFG-002", "high", []int{2, 7, 8}}, {"IOC-CFG-002", "medium", []int{4}}}},
		{"ios/004.cfg", false, "IOC-CFG-004", []got{{"IOC-CFG-004", "high", []int{2}}, {"IOC-CFG-004", "high", []int{3}}, {"IOC-CFG-004", "medium", []int{5}}}},
		{"ios/004.cfg", true, "IOC-CFG-004", []got{{"IOC-CFG-004", "high", []int{2}}, {"IOC-CFG-004", "high", []int{3}}, {"IOC-CFG-004", "medium", []int{5}}}},
		{"ios/005.cfg", false, "IOC-CFG-005", []got{{"IOC-CFG-005", "medium", []int{2, 4}}, {"IOC-CFG-005", "medium", []int{8, 9}}, {"IOC-CFG-005", "medium", []int{10}}, {"IOC-CFG-005", "medium", []int{11}}, {"IOC-CFG-005", "medium", []int{14, 15, 16}}}},
		{"ios/005.cfg", true, "IOC-CFG-005", []got{{"IOC-CFG-005", "high", []int{2, 4}}, {"IOC-CFG-005", "high", []int{10}}, {"IOC-CFG-005", "medium", []int{11}}, {"IOC-CFG-005", "high", []int{12, 13}}, {"IOC-CFG-005", "high", []int{14, 15, 16}}}},
		{"ios/006.cfg", false, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{2, 4, 6}}, {"IOC-CFG-006", "medium", []int{8, 9, 10}}, {"IOC-CFG-006", "low", []int{12}}, {"IOC-CFG-006", "low", []int{13, 14}}}},
		{"ios/006.cfg", true, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{2, 4, 6}}, {"IOC-CFG-006", "high", []int{8, 9, 10}}, {"IOC-CFG-006", "low", []int{12}}, {"IOC-CFG-006", "low", []int{13, 14}}}},
		{"ios/008.cfg", false, "IOC-CFG-008", []got{{"IOC-CFG-008", "medium", []int{12}}, {"IOC-CFG-008", "medium", []int{13}}, {"IOC-CFG-008", "medium", []int{15}}}},
		{"ios/008.cfg", true, "IOC-CFG-008", []got{{"IOC-CFG-008", "high", []int{3, 4}}, {"IOC-CFG-008", "high", []int{7, 8}}, {"IOC-CFG-008", "high", []int{10, 11}}, {"IOC-CFG-008", "medium", []int{12}}, {"IOC-CFG-008", "medium", []int{13}}, {"IOC-CFG-008", "medium", []int{15}}}},
		{"ios/009.cfg", false, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}}},
		{"ios/009.cfg", true, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}, {"IOC-CFG-009", "high", []int{4}}, {"IOC-CFG-009", "medium", []int{5}}}},
		{"ios/010.cfg", false, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{5, 4}}, {"IOC-CFG-010", "medium", []int{6}}, {"IOC-CFG-010", "medium", []int{8}}}},
		{"ios/010.cfg", true, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{5, 4}}, {"IOC-CFG-010", "medium", []int{6}}, {"IOC-CFG-010", "medium", []int{7}}, {"IOC-CFG-010", "medium", []int{8}}}},
		{"ios/011.cfg", false, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{4}}, {"IOC-CFG-011", "medium", []int{5}}, {"IOC-CFG-011", "medium", []int{6}}, {"IOC-CFG-011", "medium", []int{2}}}},
		{"ios/011.cfg", true, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{4}}, {"IOC-CFG-011", "medium", []int{5}}, {"IOC-CFG-011", "medium", []int{6}}, {"IOC-CFG-011", "medium", []int{2}}, {"IOC-CFG-011", "medium", []int{3}}, {"IOC-CFG-011", "medium", nil}}},
		{"ios/012.cfg", false, "IOC-CFG-012", nil},
		{"ios/012.cfg", true, "IOC-CFG-012", []got{{"IOC-CFG-012", "high", []int{4, 5, 9, 11}}, {"IOC-CFG-012", "medium", []int{6, 7}}}},
		{"ios/013.cfg", false, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{3}}, {"IOC-CFG-013", "medium", []int{4}}, {"IOC-CFG-013", "medium", []int{5}}, {"IOC-CFG-013", "medium", []int{6}}, {"IOC-CFG-013", "medium", []int{7, 8}}}},
		{"ios/013.cfg", true, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{3}}, {"IOC-CFG-013", "medium", []int{5}}, {"IOC-CFG-013", "medium", []int{6}}}},
		{"ios/014-edge.cfg", false, "IOC-CFG-014", []got{{"IOC-CFG-014", "medium", []int{2}}}},
		{"ios/014-edge.cfg", true, "IOC-CFG-014", []got{{"IOC-CFG-014", "high", []int{2}}}},
		{"ios/014.cfg", false, "IOC-CFG-014", []got{{"IOC-CFG-014", "medium", []int{2}}, {"IOC-CFG-014", "medium", []int{3}}, {"IOC-CFG-014", "high", []int{5}}, {"IOC-CFG-014", "high", []int{7}}}},
		{"ios/014.cfg", true, "IOC-CFG-014", []got{{"IOC-CFG-014", "medium", []int{2}}, {"IOC-CFG-014", "medium", []int{3}}, {"IOC-CFG-014", "high", []int{5}}, {"IOC-CFG-014", "high", []int{7}}}},
		{"ios/015.cfg", false, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{4, 6}}, {"IOC-CFG-015", "medium", []int{4, 7}}, {"IOC-CFG-015", "medium", []int{4, 8}}, {"IOC-CFG-015", "medium", []int{9}}}},
		{"ios/015.cfg", true, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{4, 6}}, {"IOC-CFG-015", "medium", []int{4, 7}}, {"IOC-CFG-015", "medium", []int{4, 8}}, {"IOC-CFG-015", "medium", []int{9}}}},
		{"ios/016.cfg", false, "IOC-CFG-016", []got{{"IOC-CFG-016", "high", []int{2}}}},
		{"ios/016.cfg", true, "IOC-CFG-016", []got{{"IOC-CFG-016", "high", []int{2}}}},
		{"ios/017.cfg", false, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2}}, {"IOC-CFG-017", "medium", []int{5}}, {"IOC-CFG-017", "medium", []int{7}}}},
		{"ios/017.cfg", true, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2}}, {"IOC-CFG-017", "medium", []int{5}}, {"IOC-CFG-017", "medium", []int{7}}}},
		{"ios/018-backdoor.cfg", false, "IOC-CFG-018", []got{{"IOC-CFG-018", "high", []int{1}}}},
		{"ios/018-backdoor.cfg", true, "IOC-CFG-018", []got{{"IOC-CFG-018", "high", []int{1}}}},
		{"ios/018.cfg", false, "IOC-CFG-018", nil},
		{"ios/018.cfg", true, "IOC-CFG-018", []got{{"IOC-CFG-018", "medium", []int{1}}}},
		{"iosxr/005.cfg", false, "IOC-CFG-005", []got{{"IOC-CFG-005", "medium", []int{2, 5}}}},
		{"iosxr/005.cfg", true, "IOC-CFG-005", []got{{"IOC-CFG-005", "high", []int{2, 5}}}},
		{"iosxr/006.cfg", false, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{6, 7, 4}}}},
		{"iosxr/006.cfg", true, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{6, 7, 4}}}},
		{"iosxr/008.cfg", false, "IOC-CFG-008", []got{{"IOC-CFG-008", "medium", []int{8}}}},
		{"iosxr/008.cfg", true, "IOC-CFG-008", []got{{"IOC-CFG-008", "high", []int{4, 6}}, {"IOC-CFG-008", "medium", []int{8}}}},
		{"iosxr/009.cfg", false, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{5, 6}}}},
		{"iosxr/009.cfg", true, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{5, 6}}, {"IOC-CFG-009", "medium", []int{8}}}},
		{"iosxr/010.cfg", false, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{3}}}},
		{"iosxr/010.cfg", true, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{3}}}},
		{"iosxr/011.cfg", false, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{3}}, {"IOC-CFG-011", "medium", []int{2}}}},
		{"iosxr/011.cfg", true, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{3}}, {"IOC-CFG-011", "medium", []int{2}}, {"IOC-CFG-011", "medium", nil}}},
		{"iosxr/012.cfg", false, "IOC-CFG-012", nil},
		{"iosxr/012.cfg", true, "IOC-CFG-012", []got{{"IOC-CFG-012", "high", []int{4, 5, 6}}}},
		{"iosxr/013.cfg", false, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{5}}, {"IOC-CFG-013", "medium", []int{9}}}},
		{"iosxr/013.cfg", true, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{5}}, {"IOC-CFG-013", "medium", []int{9}}}},
		{"iosxr/015.cfg", false, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}, {"IOC-CFG-015", "medium", []int{4, 5}}, {"IOC-CFG-015", "medium", []int{4, 6}}}},
		{"iosxr/015.cfg", true, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}, {"IOC-CFG-015", "medium", []int{4, 5}}, {"IOC-CFG-015", "medium", []int{4, 6}}}},
		{"iosxr/017.cfg", false, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2}}, {"IOC-CFG-017", "medium", []int{3}}}},
		{"iosxr/017.cfg", true, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{2}}, {"IOC-CFG-017", "medium", []int{3}}}},
		{"iosxr/018.cfg", false, "IOC-CFG-018", []got{{"IOC-CFG-018", "high", []int{2}}}},
		{"iosxr/018.cfg", true, "IOC-CFG-018", []got{{"IOC-CFG-018", "high", []int{2}}}},
		{"junos/008.cfg", false, "IOC-CFG-008", nil},
		{"junos/008.cfg", true, "IOC-CFG-008", []got{{"IOC-CFG-008", "high", []int{3}}, {"IOC-CFG-008", "high", []int{4}}}},
		{"junos/010.cfg", false, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{4}}}},
		{"junos/010.cfg", true, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{4}}}},
		{"junos/012.cfg", false, "IOC-CFG-012", nil},
		{"junos/012.cfg", true, "IOC-CFG-012", []got{{"IOC-CFG-012", "medium", []int{3}}}},
		{"junos/013.cfg", false, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{3}}, {"IOC-CFG-013", "medium", []int{4}}}},
		{"junos/013.cfg", true, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{3}}}},
		{"junos/017.cfg", false, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{5}}, {"IOC-CFG-017", "medium", []int{8}}, {"IOC-CFG-017", "medium", []int{24}}, {"IOC-CFG-017", "medium", []int{16}}}},
		{"junos/017.cfg", true, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{5}}, {"IOC-CFG-017", "medium", []int{8}}, {"IOC-CFG-017", "medium", []int{24}}, {"IOC-CFG-017", "medium", []int{16}}}},
		{"junos/018.cfg", false, "IOC-CFG-018", nil},
		{"junos/018.cfg", true, "IOC-CFG-018", []got{{"IOC-CFG-018", "medium", []int{1}}}},
		{"junos/020.cfg", false, "IOC-CFG-020", []got{{"IOC-CFG-020", "high", []int{3}}, {"IOC-CFG-020", "medium", []int{5}}, {"IOC-CFG-020", "medium", []int{8}}, {"IOC-CFG-020", "medium", []int{9}}, {"IOC-CFG-020", "high", []int{11}}, {"IOC-CFG-020", "medium", []int{12}}}},
		{"junos/020.cfg", true, "IOC-CFG-020", []got{{"IOC-CFG-020", "high", []int{3}}, {"IOC-CFG-020", "medium", []int{4}}, {"IOC-CFG-020", "medium", []int{5}}, {"IOC-CFG-020", "medium", []int{6}}, {"IOC-CFG-020", "medium", []int{5}}, {"IOC-CFG-020", "high", []int{8}}, {"IOC-CFG-020", "high", []int{11}}, {"IOC-CFG-020", "medium", []int{12}}}},
		{"nxos/004.cfg", false, "IOC-CFG-004", []got{{"IOC-CFG-004", "high", []int{2}}}},
		{"nxos/004.cfg", true, "IOC-CFG-004", []got{{"IOC-CFG-004", "high", []int{2}}}},
		{"nxos/005.cfg", false, "IOC-CFG-005", []got{{"IOC-CFG-005", "medium", []int{3, 6}}}},
		{"nxos/005.cfg", true, "IOC-CFG-005", []got{{"IOC-CFG-005", "high", []int{3, 6}}}},
		{"nxos/006.cfg", false, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{2, 5}}}},
		{"nxos/006.cfg", true, "IOC-CFG-006", []got{{"IOC-CFG-006", "high", []int{2, 5}}}},
		{"nxos/008.cfg", false, "IOC-CFG-008", []got{{"IOC-CFG-008", "medium", []int{7}}}},
		{"nxos/008.cfg", true, "IOC-CFG-008", []got{{"IOC-CFG-008", "high", []int{3, 4, 5}}, {"IOC-CFG-008", "medium", []int{7}}}},
		{"nxos/009.cfg", false, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}}},
		{"nxos/009.cfg", true, "IOC-CFG-009", []got{{"IOC-CFG-009", "high", []int{3}}, {"IOC-CFG-009", "high", []int{4}}}},
		{"nxos/010.cfg", false, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{5}}}},
		{"nxos/010.cfg", true, "IOC-CFG-010", []got{{"IOC-CFG-010", "medium", []int{2}}, {"IOC-CFG-010", "medium", []int{5}}, {"IOC-CFG-010", "medium", []int{6}}, {"IOC-CFG-010", "medium", []int{7}}}},
		{"nxos/011.cfg", false, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{2}}, {"IOC-CFG-011", "medium", []int{3}}}},
		{"nxos/011.cfg", true, "IOC-CFG-011", []got{{"IOC-CFG-011", "medium", []int{2}}, {"IOC-CFG-011", "medium", []int{3}}}},
		{"nxos/012.cfg", false, "IOC-CFG-012", nil},
		{"nxos/012.cfg", true, "IOC-CFG-012", []got{{"IOC-CFG-012", "medium", []int{4, 5}}}},
		{"nxos/013.cfg", false, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{2}}, {"IOC-CFG-013", "medium", []int{3, 5}}}},
		{"nxos/013.cfg", true, "IOC-CFG-013", []got{{"IOC-CFG-013", "medium", []int{2}}}},
		{"nxos/015.cfg", false, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}}},
		{"nxos/015.cfg", true, "IOC-CFG-015", []got{{"IOC-CFG-015", "medium", []int{2, 3}}}},
		{"nxos/017.cfg", false, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{3}}, {"IOC-CFG-017", "medium", []int{5}}}},
		{"nxos/017.cfg", true, "IOC-CFG-017", []got{{"IOC-CFG-017", "medium", []int{3}}, {"IOC-CFG-017", "medium", []int{5}}}},
	}
	for _, tt := range tests {
		name := tt.file + "/without-inventory"
		inv := testInventory()
		if tt.inv {
			name = tt.file + "/with-inventory"
		} else {
			inv = nil
		}
		t.Run(name, func(t *testing.T) {
			fs := run(t, tt.file, inv, []rule.Rule{ruletest.ByID(t, Rules(), tt.rule)})
			if diff := cmp.Diff(tt.want, summarise(fs)); diff != "" {
				t.Errorf("%s on %s (-want +got):\n%s", tt.rule, tt.file, diff)
			}
		})
	}
}

// TestClean checks that a configuration with every feature in its benign
// form passes every rule, with and without the inventory.
func TestClean(t *testing.T) {
	for _, v := range device.SupportedVendors() {
		for _, withInv := range []bool{false, true} {
			inv := testInventory()
			if !withInv {
				inv = nil
			}
			file := string(v) + "/clean.cfg"
			t.Run(file, func(t *testing.T) {
				if fs := run(t, file, inv, Rules()); len(fs) > 0 {
					t.Errorf("inventory %v: want no findings, got:\n%s", withInv, describe(fs))
				}
			})
		}
	}
}

func describe(fs []rule.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.RuleID + " " + f.Message + "\n")
	}
	return b.String()
}

// TestPlatformsCovered checks that every platform a rule claims has a
// failing fixture for that rule, so no platform is claimed untested.
func TestPlatformsCovered(t *testing.T) {
	for _, r := range Rules() {
		if r.Check == nil {
			continue
		}
		for _, v := range r.Platforms {
			num := strings.TrimPrefix(r.ID, "IOC-CFG-")
			m, _ := filepath.Glob(filepath.Join("testdata", string(v), num+"*.cfg"))
			if len(m) == 0 {
				t.Errorf("%s claims %s but testdata/%s has no %s fixture", r.ID, v, v, num)
			}
		}
	}
}

// TestRuleMetadata checks what every rule must carry.
func TestRuleMetadata(t *testing.T) {
	rs := Rules()
	if len(rs) != 20 {
		t.Fatalf("want 20 rules, got %d", len(rs))
	}
	stateOnly := map[string]bool{"IOC-CFG-003": true, "IOC-CFG-007": true, "IOC-CFG-019": true}
	for i, r := range rs {
		id := fmt.Sprintf("IOC-CFG-%03d", i+1)
		if r.ID != id {
			t.Errorf("rule %d: id %s, want %s (catalogue order)", i, r.ID, id)
		}
		if len(r.Doc) < 80 {
			t.Errorf("%s: doc too short", r.ID)
		}
		if stateOnly[r.ID] != (r.NeedsState != "") {
			t.Errorf("%s: NeedsState %q disagrees with the catalogue", r.ID, r.NeedsState)
		}
	}
	ruletest.CheckMetadata(t, rs, rule.Indicator)
}

// secretRE matches the passwords, keys and communities the fixtures use.
// A redaction marker such as "<$1$ md5-crypt>" may name a hash type.
var secretRE = regexp.MustCompile(`s3cret|c0mmunity|\$[1569]\$[A-Za-z0-9./]|0822455D0A16|0207165218120E`)

// TestMessagesHideSecrets checks that no finding message or evidence line
// repeats a password, key or community from the configuration.
func TestMessagesHideSecrets(t *testing.T) {
	files, err := filepath.Glob("testdata/*/*.cfg")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		f = strings.TrimPrefix(f, "testdata"+string(filepath.Separator))
		for _, inv := range []bool{false, true} {
			i := testInventory()
			if !inv {
				i = nil
			}
			ruletest.NoSecretMatch(t, f, run(t, f, i, Rules()), secretRE)
		}
	}
}

func TestOutside(t *testing.T) {
	inv := testInventory()
	tests := []struct {
		addr       string
		bare, with bool // outside without and with the inventory
	}{
		{"10.1.2.3", false, false},
		{"172.31.0.1", false, false},
		{"192.168.0.1", false, false},
		{"100.64.1.1", false, false},
		{"127.0.0.1", false, false},
		{"169.254.1.1", false, false},
		{"fe80::1", false, false},
		{"fd00::1", false, false},
		{"192.0.2.10", true, false},   // documentation, in the management network
		{"192.0.2.200", true, true},   // documentation, outside it
		{"198.51.100.5", true, false}, // approved tunnel peer
		{"203.0.113.1", true, false},  // BGP peer
		{"203.0.113.9", true, true},
		{"2001:db8::1", true, true},
		{"8.8.8.8", true, true},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		empty := &inventory.Config{}
		if got := outside(empty, a); got != tt.bare {
			t.Errorf("outside(%s) without inventory = %v, want %v", tt.addr, got, tt.bare)
		}
		if got := outside(inv, a); got != tt.with {
			t.Errorf("outside(%s) with inventory = %v, want %v", tt.addr, got, tt.with)
		}
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not an address
	}{
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1/32", "192.0.2.1"},
		{"10.0.0.1;", "10.0.0.1"},
		{"2001:db8::1/128", "2001:db8::1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"Loopback0", ""},
		{"ge-0/0/1.0", ""},
		{"255.255.255.0", "255.255.255.0"},
		{"", ""},
	}
	for _, tt := range tests {
		a, ok := parseAddr(tt.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("parseAddr(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSuspiciousSSHPort(t *testing.T) {
	tests := map[int]bool{22: false, 2222: false, 2041: false, 8022: false, 10022: true, 22022: true, 57722: true, 65522: true, 99922: false}
	for p, want := range tests {
		if got := suspiciousSSHPort(p); got != want {
			t.Errorf("suspiciousSSHPort(%d) = %v, want %v", p, got, want)
		}
	}
}

// TestCorpus runs every rule over the shared device-configuration corpus,
// when it is present, with and without the inventory, to show that no
// real configuration makes a rule fail.
func TestCorpus(t *testing.T) {
	counts := map[string]int{}
	ruletest.Corpus(t, func(path string, cfg *device.Config) {
		for _, inv := range []*inventory.Config{nil, testInventory()} {
			fs, err := rule.Run(Rules(), ruletest.Device(cfg, inv))
			if err != nil {
				t.Errorf("%s: %v", path, err)
			}
			if inv == nil {
				for _, f := range fs {
					counts[f.RuleID]++
				}
			}
		}
	})
	t.Logf("findings without inventory by rule: %v", counts)
}

// FuzzRules feeds arbitrary text to every dialect's parser and every rule:
// rules must not panic on any tree the parser builds.
func FuzzRules(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.cfg")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range device.SupportedVendors() {
			cfg, err := device.Parse("fuzz", data, v)
			if err != nil {
				continue
			}
			for _, inv := range []bool{false, true} {
				d := &rule.Device{Config: cfg, Name: "r1"}
				if inv {
					d.Inventory = testInventory()
				}
				if _, err := rule.Run(Rules(), d); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
