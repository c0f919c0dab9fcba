package device

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		v      Vendor
		line   string
		secret []string // text that must be gone
		shown  string   // the type marker that must appear
	}{
		{IOS, "enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0", []string{"$1$mERr$hx5rVt7rPNoS4wqbXKX7m0"}, "<$1$ md5-crypt>"},
		{IOS, "enable secret 9 $9$nhEmQVczB7dqsO$X.HsgL6x1il0RxkOSSvyQYwucySCt7qFm4v7pqCxkKM", []string{"$9$nhEmQVczB7dqsO"}, "<type 9 scrypt>"},
		{IOS, "enable password 7 0822455D0A16", []string{"0822455D0A16"}, "<type 7 reversible>"},
		{IOS, "enable password cisco123", []string{"cisco123"}, "<secret>"},
		{IOS, "username admin privilege 15 secret 5 $1$abcd$efghijklmnopqrstuv", []string{"$1$abcd$efghijklmnopqrstuv"}, "<$1$ md5-crypt>"},
		{IOS, "username admin secret 8 $8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs", []string{"$8$dsYGNam3K1SIJO"}, "<type 8 pbkdf2-sha256>"},
		{IOS, "username bob password 7 094F471A1A0A", []string{"094F471A1A0A"}, "<type 7 reversible>"},
		{IOS, "tacacs-server host 10.0.0.1 key 7 0822455D0A16", []string{"0822455D0A16"}, "<type 7 reversible>"},
		{IOS, " key 7 0822455D0A16", []string{"0822455D0A16"}, "<type 7 reversible>"},
		{IOS, " server-private 10.0.0.2 key 7 104D000A0618", []string{"104D000A0618"}, "<type 7 reversible>"},
		{IOS, "radius-server key 0 s3cr3t", []string{"s3cr3t"}, "<type 0 cleartext>"},
		{IOS, "snmp-server community public RW 5", []string{"public"}, "<secret>"},
		{IOS, "snmp-server community s3cr3t-ro RO", []string{"s3cr3t-ro"}, "<secret>"},
		{IOS, "ntp authentication-key 1 md5 104D000A0618 7", []string{"104D000A0618"}, "<"},
		{IOS, " neighbor 10.0.0.2 password 7 02050D480809", []string{"02050D480809"}, "<type 7 reversible>"},
		{IOS, " neighbor 10.0.0.2 password s3cr3t", []string{"s3cr3t"}, "<secret>"},
		{IOS, " ip ospf message-digest-key 1 md5 s3cr3t", []string{"s3cr3t"}, "<"},
		{IOS, " ip ospf message-digest-key 1 md5 7 0822455D0A16", []string{"0822455D0A16"}, "<type 7 reversible>"},
		{IOS, " ip ospf authentication-key s3cr3t", []string{"s3cr3t"}, "<secret>"},
		{IOS, "crypto isakmp key s3cr3t address 10.0.0.2", []string{"s3cr3t"}, "<secret>"},
		{IOS, "crypto isakmp key 6 s3cr3tHash address 10.0.0.2", []string{"s3cr3tHash"}, "<type 6 aes>"},
		{IOS, " standby 1 authentication s3cr3t", []string{"s3cr3t"}, "<secret>"},
		{IOS, " standby 1 authentication md5 key-string s3cr3t", []string{"s3cr3t"}, "<secret>"},
		{IOS, " standby 1 authentication text s3cr3t", []string{"s3cr3t"}, "<type 0 cleartext>"},
		{IOS, " key-string 7 0822455D0A16", []string{"0822455D0A16"}, "<type 7 reversible>"},
		{IOS, " pre-shared-key address 10.0.0.2 key s3cr3t", []string{"s3cr3t"}, "<secret>"},
		{NXOS, "username admin password 5 $5$KHJLGM$c1b0NzZ0KgvYdXoA1FdNLdcfc0oYhDh5VQUHIE3rrO1", []string{"$5$KHJLGM"}, "<$5$ sha256-crypt>"},
		{NXOS, "username admin password 5 abcdefghij", []string{"abcdefghij"}, "<type 5 sha256-crypt>"},
		{NXOS, "snmp-server user admin network-admin auth md5 0x1234abcd priv aes-128 0x5678ef01 localizedkey", []string{"0x1234abcd", "0x5678ef01"}, "<"},
		{NXOS, "snmp-server user u1 auth sha s3cr3tAuth priv s3cr3tPriv", []string{"s3cr3tAuth", "s3cr3tPriv"}, "<"},
		{NXOS, "tacacs-server key 7 \"fewhg123\"", []string{"fewhg123"}, "<type 7 reversible>"},
		{IOSXR, "username admin secret 10 $6$abcdefgh$ijklmnopqrstuvwxyz0123456789", []string{"$6$abcdefgh"}, "<$6$ sha512-crypt>"},
		{IOSXR, " secret 5 $1$abcd$efghijklmnop", []string{"$1$abcd$efghijklmnop"}, "<$1$ md5-crypt>"},
		{EOS, "username admin privilege 15 role network-admin secret sha512 $6$salt$hashhashhash", []string{"$6$salt$hashhashhash"}, "<$6$ sha512-crypt>"},
		{EOS, "enable password sha512 $6$salt$hashhash", []string{"$6$salt$hashhash"}, "<$6$ sha512-crypt>"},
		{EOS, "snmp-server community s3cr3t ro", []string{"s3cr3t"}, "<secret>"},
		{Junos, "set system root-authentication encrypted-password \"$1$abc$defghijklmnop\"", []string{"$1$abc$defghijklmnop"}, "<$1$ md5-crypt>"},
		{Junos, "            encrypted-password \"$6$abc$defghijklmnop\"; ## SECRET-DATA", []string{"$6$abc$defghijklmnop"}, "<$6$ sha512-crypt>"},
		{Junos, "set system tacplus-server 10.0.0.1 secret \"$9$abcdefghij\"", []string{"$9$abcdefghij"}, "<$9$ reversible>"},
		{Junos, "set protocols bgp group g authentication-key \"$9$xyzxyzxyz\"", []string{"$9$xyzxyzxyz"}, "<$9$ reversible>"},
		{Junos, "set security ike policy p pre-shared-key ascii-text \"$9$qwertyuiop\"", []string{"$9$qwertyuiop"}, "<$9$ reversible>"},
		{Junos, "set snmp community s3cr3t authorization read-only", []string{"s3cr3t"}, "<secret>"},
		{Junos, "    community s3cr3t {", []string{"s3cr3t"}, "<secret>"},
		{Junos, "set protocols ospf area 0 interface ge-0/0/0 authentication md5 1 key \"$9$abcabcabc\"", []string{"$9$abcabcabc"}, "<$9$ reversible>"},
		{Junos, "set system login user admin authentication ssh-rsa \"ssh-rsa AAAAB3NzaC1 user@host\"", []string{"AAAAB3NzaC1"}, "<"},
	}
	for _, tt := range tests {
		got := Redact(tt.v, tt.line)
		for _, s := range tt.secret {
			if strings.Contains(got, s) {
				t.Errorf("%s %q: secret %q still in %q", tt.v, tt.line, s, got)
			}
		}
		if !strings.Contains(got, tt.shown) {
			t.Errorf("%s %q: got %q, want it to show %q", tt.v, tt.line, got, tt.shown)
		}
	}
}

func TestRedactKeepsSyntax(t *testing.T) {
	for _, line := range []string{
		"key chain KC",
		"password encryption aes",
		"route-map RM permit 10",
		" set community 65535:666 additive",
		"ip community-list standard X permit 65000:1",
		"snmp-server community-map x",
		"interface GigabitEthernet0/0",
		"aaa authentication login default group tacacs+ local",
		"service password-encryption",
		"set protocols bgp group g type external",
	} {
		if got := Redact(IOS, line); got != line {
			t.Errorf("Redact(%q) = %q, want it unchanged", line, got)
		}
	}
}

func TestRedactGaps(t *testing.T) {
	for _, tc := range []struct {
		v          Vendor
		line, want string
	}{
		{IOS, "snmp-server host 192.0.2.1 version 2c SECRETcommunity1", "snmp-server host 192.0.2.1 version 2c <community>"},
		{IOS, "snmp-server host 192.0.2.1 informs version 2c S3cr3t udp-port 1162 config", "snmp-server host 192.0.2.1 informs version 2c <community> udp-port 1162 config"},
		{IOS, "snmp-server host 192.0.2.1 S3cr3t", "snmp-server host 192.0.2.1 <community>"},
		{EOS, "snmp-server host 192.0.2.1 vrf MGMT version 2c S3cr3t", "snmp-server host 192.0.2.1 vrf MGMT version 2c <community>"},
		{NXOS, "snmp-server host 192.0.2.1 traps version 2c S3cr3t", "snmp-server host 192.0.2.1 traps version 2c <community>"},
		{IOS, "snmp-server host 192.0.2.1 version 3 priv v3user", "snmp-server host 192.0.2.1 version 3 priv v3user"},
		{IOS, "enable secret level 15 5 $1$abcd$S3cr3tHash", "enable secret level 15 5 <$1$ md5-crypt>"},
		{IOS, "enable password level 3 S3cr3t", "enable password level 3 <secret>"},
		{Junos, `set system archival configuration archive-sites "ftp://backup:S3cr3t@192.0.2.9/cfg"`, `set system archival configuration archive-sites "ftp://backup:<secret>@192.0.2.9/cfg"`},
		{IOS, " path ftp://u:S3cr3t@192.0.2.9/$h", " path ftp://u:<secret>@192.0.2.9/$h"},
		{IOS, "snmp-server group G v3 auth read V", "snmp-server group G v3 auth read V"},
		{IOS, " security wpa psk set-key hex 0 S3cr3tPSK", " security wpa psk set-key hex 0 <type 0 cleartext>"},
		{IOS, " mgmtuser username u password 0 MGMT S3cr3t secret 0 MGMT S3cr3t2", " mgmtuser username u password 0 <type 0 cleartext> secret 0 <type 0 cleartext>"},
		{IOS, "ntp authentication-key 3 hmac-sha1 S3cr3tKey", "ntp authentication-key 3 hmac-sha1 <hmac-sha1 secret>"},
		{IOS, "ntp authentication-key 42 hmac-sha2-256 S3cr3tKey", "ntp authentication-key 42 hmac-sha2-256 <hmac-sha2-256 secret>"},
		{Junos, `set system root-authentication encrypted-password " S3cr3t "`, `set system root-authentication encrypted-password <secret>`},
		{IOS, "ntp authentication-key 1 md5 S3cr3t 7", "ntp authentication-key 1 md5 <md5 secret> 7"},
		{IOSXR, "snmp-server user u g v3 auth md5 encrypted S3cr3t priv des56 encrypted S3cr3t2", "snmp-server user u g v3 auth md5 encrypted <encrypted secret> priv des56 encrypted <encrypted secret>"},
	} {
		got := Redact(tc.v, tc.line)
		if got != tc.want {
			t.Errorf("Redact(%s, %q)\n got %q\nwant %q", tc.v, tc.line, got, tc.want)
		}
		if strings.Contains(got, "S3cr3t") || strings.Contains(got, "SECRET") {
			t.Errorf("Redact(%q) leaks: %q", tc.line, got)
		}
	}
}
