package cred

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// TestCases covers forms the fixtures do not: method-list order, IOS XE
// block accounting with none, Junos servers, inventory comparison.
func TestCases(t *testing.T) {
	tests := []struct {
		name   string
		vendor device.Vendor
		rule   string
		inv    *inventory.Config
		config string
		want   []got
	}{
		{
			name: "ios local before group, no authorisation", vendor: device.IOS, rule: "HARD-023",
			config: "hostname r\naaa new-model\naaa authentication login default local group TAC\naaa authentication login console local group TAC\n",
			want: []got{
				{"HARD-023", []int{3}, "login method list default lists local before the server group, so local accounts work while the servers are up"},
				{"HARD-023", []int{2}, "aaa authorization exec default is not configured: exec is not authorised by the AAA servers"},
				{"HARD-023", []int{2}, "aaa authorization commands 15 default is not configured: commands 15 is not authorised by the AAA servers"},
			},
		},
		{
			name: "ios none fallback and a vty list", vendor: device.IOS, rule: "HARD-023",
			config: "hostname r\naaa new-model\naaa authentication login default group TAC none\naaa authentication login VTY local\n" +
				"aaa authorization exec default group TAC local\naaa authorization commands 15 default local\nline vty 0 4\n login authentication VTY\n",
			want: []got{
				{"HARD-023", []int{3}, "login method list default ends in none, so anyone logs in when the servers do not answer"},
				{"HARD-023", []int{4}, "login method list VTY uses only local accounts"},
				{"HARD-023", []int{6}, "aaa authorization commands 15 default names no server group"},
			},
		},
		{
			name: "ios no aaa new-model line at all", vendor: device.IOS, rule: "HARD-023",
			config: "hostname r\nusername a secret 9 $9$x\n",
			want:   []got{{"HARD-023", nil, "aaa new-model is not enabled, so logins use line passwords and no central AAA"}},
		},
		{
			name: "ios block accounting with none", vendor: device.IOS, rule: "HARD-024",
			config: "hostname r\naaa new-model\naaa accounting exec default\n action-type none\n group TAC\n" +
				"aaa accounting commands 1 default start-stop group TAC\naaa accounting commands 15 default none\n" +
				"aaa accounting connection default stop-only group TAC\naaa accounting system default start-stop group TAC\n",
			want: []got{
				{"HARD-024", []int{3}, "accounting method sends no records to a server group"},
				{"HARD-024", []int{7}, "accounting method sends no records to a server group"},
			},
		},
		{
			name: "junos tacplus without a server", vendor: device.Junos, rule: "HARD-023",
			config: "set system authentication-order [ tacplus password ]\n",
			want:   []got{{"HARD-023", []int{1}, "authentication-order uses tacplus but no system tacplus-server is defined"}},
		},
		{
			name: "junos radius only passes", vendor: device.Junos, rule: "HARD-023",
			config: "set system authentication-order radius\nset system radius-server 192.0.2.1 secret \"$9$x\"\n",
		},
		{
			name: "junos accounting without interactive-commands or destination", vendor: device.Junos, rule: "HARD-024",
			config: "set system accounting events login\nset system accounting events change-log\n",
			want: []got{
				{"HARD-024", []int{1}, "system accounting does not record events: interactive-commands"},
				{"HARD-024", []int{1}, "system accounting has no tacplus or radius destination"},
			},
		},
		{
			name: "junos deactivated user ignored", vendor: device.Junos, rule: "HARD-025",
			config: "set system login user admin class super-user\ndeactivate system login user admin\n",
		},
		{
			name: "inventory approves some users", vendor: device.IOS, rule: "HARD-025",
			inv: &inventory.Config{LocalUsers: []string{"admin"}, Devices: []inventory.Device{{Name: "r", LocalUsers: []string{"bg2"}}}},
			config: "hostname r\nusername admin privilege 15 secret 9 $9$x\nusername bg2 privilege 15 secret 9 $9$x\n" +
				"username temp privilege 15 secret 9 $9$x\n",
			want: []got{{"HARD-025", []int{4}, "local user temp is not an approved local user in the inventory"}},
		},
		{
			name: "inventory for another device only: generic names", vendor: device.EOS, rule: "HARD-025",
			inv:    &inventory.Config{Devices: []inventory.Device{{Name: "other", LocalUsers: []string{"x"}}}},
			config: "hostname r\nusername support secret sha512 $6$x$y\n",
			want:   []got{{"HARD-025", []int{2}, "local user support has a generic name; name break-glass accounts for their purpose"}},
		},
		{
			name: "nxos aes without acl, and a user without auth", vendor: device.NXOS, rule: "HARD-028",
			config: "hostname n\nsnmp-server user a network-operator auth sha 0x01 priv aes-128 0x02 localizedkey\nsnmp-server user b network-operator\n",
			want: []got{
				{"HARD-028", []int{2}, "SNMPv3 user a: no use-ipv4acl restricting managers"},
				{"HARD-028", []int{3}, "SNMPv3 user b: no authentication or encryption"},
			},
		},
		{
			name: "xr user acl covers a group without one", vendor: device.IOSXR, rule: "HARD-028",
			config: "hostname x\nsnmp-server group G v3 priv read all\nsnmp-server user u G v3 auth sha encrypted 01 priv aes 128 encrypted 02 IPv4 ACL\n",
			want:   []got{{"HARD-028", []int{2}, "SNMPv3 group G: no ACL restricting managers"}},
		},
		{
			name: "ios strong types pass", vendor: device.IOS, rule: "HARD-017",
			config: "enable secret 8 $8$abc$def\nenable secret level 5 9 $9$abc$def\n",
		},
		{
			name: "ios enable level md5 fails", vendor: device.IOS, rule: "HARD-017",
			config: "enable password level 3 5 $1$i5Rkls3LoyxzS8t9\n",
			want:   []got{{"HARD-017", []int{1}, "enable password is stored as type 5 md5-crypt; remove it and use enable secret type 8 or type 9"}},
		},
		{
			name: "ios type 6 keys pass", vendor: device.IOS, rule: "HARD-020",
			config: "password encryption aes\nradius server R\n key 6 abcdef\naaa group server tacacs+ G\n server-private 192.0.2.1 key 6 abc\n",
		},
		{
			name: "ios password encryption and key chain names are not passwords", vendor: device.IOS, rule: "HARD-019",
			config: "password encryption aes\nkey chain K\n key 1\n  key-string 6 abc\nntp authentication-key 1 md5 104D000A0618 7\n",
			want:   []got{{"HARD-019", []int{5}, "ntp: password or key stored as type 7 reversible"}},
		},
		{
			name: "mpls ldp password required is syntax", vendor: device.IOS, rule: "HARD-019",
			config: "mpls ldp password required for MPLS_ACL\n",
		},
		{
			name: "ntp default key decoded", vendor: device.IOS, rule: "HARD-022",
			config: "ntp authentication-key 1 md5 104D000A0618 7\n",
			want:   []got{{"HARD-022", []int{1}, "ntp password is a well-known default password (stored as type 7 reversible)"}},
		},
		{
			name: "junos root with only an ssh key is configured", vendor: device.Junos, rule: "HARD-022",
			config: "set system root-authentication ssh-ed25519 \"ssh-ed25519 AAAAC3Nz root@h\"\n",
		},
		{
			name: "xr read-only community and notify view are not write", vendor: device.IOSXR, rule: "HARD-029",
			config: "snmp-server community c RO SystemOwner\nsnmp-server group G v3 priv read all notify all\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ruletest.Parse(t, "case", tt.config, tt.vendor)
			if c.Hostname == "" {
				c.Hostname = "r"
			}
			_, got := run(t, c, tt.inv, tt.rule)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRuleMetadata checks that every rule carries what output and docs need.
func TestRuleMetadata(t *testing.T) {
	rs := Rules()
	for _, r := range rs {
		if r.Check == nil {
			t.Errorf("%s: no Check", r.ID)
		}
	}
	ruletest.CheckMetadata(t, rs, rule.Hardening)
	if len(rs) != 13 {
		t.Errorf("%d rules, want HARD-017 to HARD-029", len(rs))
	}
}
