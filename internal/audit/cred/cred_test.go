package cred

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// got is what a test compares of a finding: the rule, the evidence lines
// and the message.
type got struct {
	Rule    string
	Lines   []int
	Message string
}

// run applies the package's rules (only ids, when given) through rule.Run,
// so that evidence goes through the same redaction as in production.
func run(t *testing.T, c *device.Config, inv *inventory.Config, ids ...string) ([]rule.Finding, []got) {
	t.Helper()
	fs := ruletest.Run(t, ruletest.Only(Rules(), ids...), ruletest.Device(c, inv))
	var out []got
	for _, f := range fs {
		out = append(out, got{Rule: f.RuleID, Lines: ruletest.Lines(f), Message: f.Message})
	}
	return fs, out
}

// TestFixtures runs every rule over one failing and one passing fixture per
// platform. The failing fixtures hold at least one failure for every rule
// that applies to the platform; the passing ones hold none.
func TestFixtures(t *testing.T) {
	tests := []struct {
		file   string
		vendor device.Vendor
		want   []got
	}{
		{"ios-bad.cfg", device.IOS, []got{
			{"HARD-017", []int{5}, "enable secret uses type 5 md5-crypt; use type 8 or type 9"},
			{"HARD-017", []int{6}, "enable password is stored as type 7 reversible; remove it and use enable secret type 8 or type 9"},
			{"HARD-018", []int{10}, "local user admin password uses type 0 cleartext; use type 8 or type 9"},
			{"HARD-018", []int{11}, "local user ops1 secret uses type 5 md5-crypt; use type 8 or type 9"},
			{"HARD-018", []int{13}, "local user cisco password uses type 7 reversible; use type 8 or type 9"},
			{"HARD-018", []int{14}, "local user tech has no password (nopassword)"},
			{"HARD-019", []int{27}, "interface Serial0/0: password or key stored as type 7 reversible"},
			{"HARD-019", []int{31}, "key chain OSPFKEYS: password or key stored as type 0 cleartext"},
			{"HARD-019", []int{33}, "ntp: password or key stored as type 0 cleartext"},
			{"HARD-019", []int{42}, "line con 0: password or key stored as type 0 cleartext"},
			{"HARD-019", []int{45}, "line vty 0 4: password or key stored as type 7 reversible"},
			{"HARD-020", []int{16}, "TACACS+ key is stored as type 0 cleartext; store it as type 6 (password encryption aes is not configured)"},
			{"HARD-020", []int{17}, "TACACS+ key is stored as type 7 reversible; store it as type 6 (password encryption aes is not configured)"},
			{"HARD-020", []int{20}, "TACACS+ key is stored as type 0 cleartext; store it as type 6 (password encryption aes is not configured)"},
			{"HARD-020", []int{22}, "TACACS+ server-private key is stored as type 7 reversible; store it as type 6 (password encryption aes is not configured)"},
			{"HARD-020", []int{24}, "RADIUS dynamic-author server-key is stored as type 0 cleartext; store it as type 6 (password encryption aes is not configured)"},
			{"HARD-022", []int{13}, "local user cisco password is a well-known default password (stored as type 7 reversible)"},
			{"HARD-022", []int{5}, "enable secret is a well-known default password (stored as type 5 md5-crypt)"},
			{"HARD-022", []int{6}, "enable password is a well-known default password (stored as type 7 reversible)"},
			{"HARD-022", []int{42}, "line con 0 password is a well-known default password (stored as type 0 cleartext)"},
			{"HARD-022", []int{45}, "line vty 0 4 password is a well-known default password (stored as type 7 reversible)"},
			{"HARD-023", []int{8}, "aaa new-model is not enabled, so logins use line passwords and no central AAA"},
			{"HARD-023", []int{43}, "line con 0 logs in with a line password instead of AAA"},
			{"HARD-023", []int{46}, "line vty 0 4 logs in with a line password instead of AAA"},
			{"HARD-024", nil, "no AAA accounting to a server for: exec, commands 1, commands 15, connection, system"},
			{"HARD-025", []int{10}, "local user admin has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{13}, "local user cisco has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{14}, "local user tech has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{10, 11, 12}, "3 local users have full privileges; keep at most 2 break-glass accounts"},
			{"HARD-027", []int{35}, "well-known default SNMP community with read-write access"},
			{"HARD-027", []int{36}, "SNMP v1/v2c community with read-only access"},
			{"HARD-027", []int{39}, "SNMP v2c notifications are sent with a community in cleartext"},
			{"HARD-028", []int{37}, "SNMPv3 group V3NOAUTH: noauth (no authentication or encryption), no ACL restricting managers"},
			{"HARD-029", []int{35}, "SNMP community grants read-write access"},
			{"HARD-029", []int{38}, "SNMP group V3W grants write access through view all"},
		}},
		{"ios-good.cfg", device.IOS, nil},
		{"nxos-bad.cfg", device.NXOS, []got{
			{"HARD-021", []int{5}, "local user admin password uses type 5 md5-crypt; use a type 5 ($5$ sha256-crypt) or stronger hash"},
			{"HARD-021", []int{6}, "local user ops1 password uses type 0 cleartext; use a type 5 ($5$ sha256-crypt) or stronger hash"},
			{"HARD-022", []int{5}, "local user admin password is a well-known default password (stored as type 5 md5-crypt)"},
			{"HARD-023", []int{9}, "login method list default uses only local accounts"},
			{"HARD-024", nil, "no AAA accounting to a server for: default"},
			{"HARD-025", []int{5}, "local user admin has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{5, 6, 7}, "3 local users have full privileges; keep at most 2 break-glass accounts"},
			{"HARD-026", []int{8}, "local user ops2 logs in to the bash shell"},
			{"HARD-026", []int{5, 6, 7}, "3 local users hold the network-admin role; keep at most 2"},
			{"HARD-026", []int{4}, "feature bash-shell gives privileged users the Linux shell"},
			{"HARD-027", []int{10}, "SNMP v1/v2c community with read-only access"},
			{"HARD-027", []int{11, 12}, "SNMP v1/v2c community with read-write access"},
			{"HARD-027", []int{14}, "SNMP v2c notifications are sent with a community in cleartext"},
			{"HARD-028", []int{13}, "SNMPv3 user snmpuser1: auth md5, priv des, no use-ipv4acl restricting managers"},
		}},
		{"nxos-good.cfg", device.NXOS, nil},
		{"iosxr-bad.cfg", device.IOSXR, []got{
			{"HARD-021", []int{6}, "local user admin secret uses type 5 md5-crypt; use secret 10 (sha512-crypt) or type 8/9"},
			{"HARD-021", []int{10}, "local user ops1 password uses type 7 reversible; use secret 10 (sha512-crypt) or type 8/9"},
			{"HARD-022", []int{6}, "local user admin secret is a well-known default password (stored as type 5 md5-crypt)"},
			{"HARD-023", []int{16}, "login method list default uses only local accounts"},
			{"HARD-024", nil, "no AAA accounting to a server for: exec, commands"},
			{"HARD-025", []int{3}, "local user admin has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{4, 9, 13}, "3 local users have full privileges; keep at most 2 break-glass accounts"},
			{"HARD-026", []int{4, 5, 9, 13}, "3 local users hold root-lr, root-system or cisco-support; keep at most 2"},
			{"HARD-027", []int{17}, "SNMP v1/v2c community with read-write access"},
			{"HARD-027", []int{21}, "SNMP v2c notifications are sent with a community in cleartext"},
			{"HARD-028", []int{18}, "SNMPv3 group V3AUTH: auth without priv (no encryption), no ACL restricting managers"},
			{"HARD-028", []int{19}, "SNMPv3 user u1: auth md5, priv des56, no ACL restricting managers"},
			{"HARD-029", []int{17}, "SNMP community grants read-write access"},
			{"HARD-029", []int{18}, "SNMP group V3AUTH grants write access through view all"},
		}},
		{"iosxr-good.cfg", device.IOSXR, nil},
		{"junos-bad.conf", device.Junos, []got{
			{"HARD-021", []int{5}, "local user admin encrypted-password uses $1$ md5-crypt; use a $6$ sha512-crypt hash"},
			{"HARD-021", []int{9}, "local user ops2 encrypted-password uses $9$ reversible; use a $6$ sha512-crypt hash"},
			{"HARD-022", []int{5}, "local user admin encrypted-password is a well-known default password (stored as $1$ md5-crypt)"},
			{"HARD-022", []int{3}, "no root password: system root-authentication is not configured"},
			{"HARD-023", []int{10}, "authentication-order lists password first, so local accounts work while the servers are up"},
			{"HARD-024", []int{3}, "no system accounting: sessions and commands are not recorded centrally"},
			{"HARD-025", []int{4}, "local user admin has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{4, 6, 8}, "3 local users have full privileges; keep at most 2 break-glass accounts"},
			{"HARD-027", []int{12}, "well-known default SNMP community with read-write access"},
			{"HARD-027", []int{13}, "SNMP v1/v2c community with read-only access"},
			{"HARD-027", []int{17}, "SNMP trap group TG sends v2 traps with a community"},
			{"HARD-028", []int{14}, "SNMPv3 user nms: authentication-md5, privacy-des"},
			{"HARD-028", []int{16}, "SNMPv3 access group uses security-level authentication; use privacy"},
		}},
		{"junos-good.conf", device.Junos, nil},
		{"eos-bad.cfg", device.EOS, []got{
			{"HARD-021", []int{8}, "local user admin has no password (nopassword)"},
			{"HARD-021", []int{9}, "local user ops1 secret uses type 0 cleartext; use a $6$ sha512-crypt hash"},
			{"HARD-021", []int{5}, "enable secret uses type 5 md5-crypt; use a $6$ sha512-crypt hash"},
			{"HARD-021", []int{6}, "root account secret uses type 0 cleartext; use a $6$ sha512-crypt hash"},
			{"HARD-022", []int{8}, "factory account admin has no password (nopassword)"},
			{"HARD-023", []int{12}, "login method list default uses only local accounts"},
			{"HARD-024", nil, "no AAA accounting to a server for: exec, commands all"},
			{"HARD-025", []int{8}, "local user admin has a generic name; name break-glass accounts for their purpose"},
			{"HARD-025", []int{8, 9, 10}, "3 local users have full privileges; keep at most 2 break-glass accounts"},
			{"HARD-027", []int{14}, "SNMP v1/v2c community with read-only access"},
			{"HARD-027", []int{15}, "well-known default SNMP community with read-write access"},
			{"HARD-027", []int{16}, "SNMP v2c notifications are sent with a community in cleartext"},
			{"HARD-028", []int{17}, "SNMPv3 group V3: auth without priv (no encryption)"},
			{"HARD-028", []int{18}, "SNMPv3 user u1: auth md5, priv des"},
			{"HARD-028", []int{17}, "SNMPv3 is configured without snmp-server ipv4 access-list restricting managers"},
		}},
		{"eos-good.cfg", device.EOS, nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, got := run(t, ruletest.Fixture(t, tt.file, tt.vendor), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCoverage checks that the fixtures exercise every rule on every
// platform it names: a failure in the bad fixture, none in the good one.
func TestCoverage(t *testing.T) {
	files := map[device.Vendor][2]string{
		device.IOS: {"ios-bad.cfg", "ios-good.cfg"}, device.NXOS: {"nxos-bad.cfg", "nxos-good.cfg"},
		device.IOSXR: {"iosxr-bad.cfg", "iosxr-good.cfg"}, device.Junos: {"junos-bad.conf", "junos-good.conf"},
		device.EOS: {"eos-bad.cfg", "eos-good.cfg"},
	}
	for _, r := range Rules() {
		for _, v := range r.Platforms {
			_, bad := run(t, ruletest.Fixture(t, files[v][0], v), nil, r.ID)
			_, good := run(t, ruletest.Fixture(t, files[v][1], v), nil, r.ID)
			if len(bad) == 0 || len(good) != 0 {
				t.Errorf("%s on %s: %d findings in %s (want some), %d in %s (want none)", r.ID, v, len(bad), files[v][0], len(good), files[v][1])
			}
		}
	}
}
