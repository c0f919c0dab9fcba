package cred

import (
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/seawall/seawall/internal/audit/device"
	"github.com/seawall/seawall/internal/audit/rule"
	"github.com/seawall/seawall/internal/audit/rule/ruletest"
	"github.com/seawall/seawall/internal/inventory"
)

// TestNoSecretsInFindings runs every rule over fixtures full of passwords,
// hashes, keys and communities and asserts that none of them appears in the
// findings as they are marshalled for output.
func TestNoSecretsInFindings(t *testing.T) {
	tests := []struct {
		file    string
		vendor  device.Vendor
		secrets []string
	}{
		{"ios-bad.cfg", device.IOS, []string{
			"$1$abcd$2hDGYdE0UrwK2pqoiF6BB1", "0822455D0A16", "Adm1nCl34rPass", "$1$Xy12$sDMOEkfNgXl5.dRpDs31S0",
			"$9$nhEmQVczB7dqsO", "02050D480809", "T4cacsHostCl34rKey", "122D5114390E1553192E273A3621", "T4cacsBlockCl34rKey",
			"095A482635365C062E3B5D780D150E276C264B040E352F754D4B4071", "R4diusDynCl34rKey", "11390915341A5F1C377928362D27",
			"K3yStr1ngCl34r", "NtpS3cretCl34r", "public", "C0mmun1tyR0Str", "Tr4pC0mmun1tyStr",
		}},
		{"ios-secrets.cfg", device.IOS, []string{
			"$1$i5Rkls3LoyxzS8t9", "$1$Lv15$W0rkingHashValue", "Us3rN0TypeCl34r", "Inf0rmC0mmStr", "Vrf1nf0rmC0mm",
			"Qu0ted", "Sp4c3dC0mm", "0822455D0A16", "R4dBl0ckCl34r", "0spfMd5Cl34r", "0spfAuthK3y7", "BgpN3ighb0rK3y", "Vty4Cl34rPass",
		}},
		{"nxos-bad.cfg", device.NXOS, []string{
			"$1$abcd$2hDGYdE0UrwK2pqoiF6BB1", "NxCl34rPassw0rd", "$5$nxsalt$rn2dv5QQH77rOuImWFsZD5AIoSpKVNUChecWQZO.yM7",
			"NxC0mmun1tyStr", "NxRwC0mmun1ty", "0xabcdef0123456789aa", "0x1122334455667788", "NxTr4pC0mmun1ty",
		}},
		{"iosxr-bad.cfg", device.IOSXR, []string{
			"$1$abcd$2hDGYdE0UrwK2pqoiF6BB1", "09745C26091640220A1F17", "$6$saltsalt$b4lmkmDdRBkk", "XrRwC0mmun1ty",
			"0123ABCD4567", "4567EF0123", "0123456789ABCDEF0123",
		}},
		{"junos-bad.conf", device.Junos, []string{
			"$1$abcd$2hDGYdE0UrwK2pqoiF6BB1", "$6$saltsalt$b4lmkmDdRBkk", "$9$Jn0ps2Rev3rs1ble", "public", "JnC0mmun1tyStr",
			"$9$JnMd5K3yJunk", "$9$JnDesK3yJunk",
		}},
		{"junos-secrets.conf", device.Junos, []string{
			"$1$R00t$Jn1RootHashValue", "$1$0ps$JnOpsHashValueXX", "Sp4ced", "JnPl41nC0mm", "$9$JnT4cpSecretJunk",
		}},
		{"eos-bad.cfg", device.EOS, []string{
			"$1$Xy12$sDMOEkfNgXl5.dRpDs31S0", "R00tCl34rPassw0rd", "EosCl34rPassw0rd", "$6$saltsalt$b4lmkmDdRBkk", "publiccom",
			"private", "Eos2cTr4pStr1ng", "0xaabbccddeeff0011", "0x2233445566778899",
		}},
	}
	// An approved-users inventory so that HARD-025 reports every account.
	inv := &inventory.Config{LocalUsers: []string{"nobody"}}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c := ruletest.Fixture(t, tt.file, tt.vendor)
			for _, i := range []*inventory.Config{nil, inv} {
				fs, _ := run(t, c, i)
				if len(fs) == 0 {
					t.Fatal("no findings: the fixture no longer exercises the rules")
				}
				ruletest.NoSecrets(t, tt.file, fs, tt.secrets...)
			}
		})
	}
}

// hashShape matches a crypt-style hash with its salt or body, which
// findings may name by type but never print.
var hashShape = regexp.MustCompile(`\$(1|5|6|8|9|14)\$[./0-9A-Za-z]{3,}`)

// TestCorpusNoHashes runs the rules over the shared device-configuration
// corpus, when it is present, and checks that no rule fails and no finding
// carries a hash.
func TestCorpusNoHashes(t *testing.T) {
	ruletest.RunCorpus(t, Rules(), func(path string, fs []rule.Finding) {
		ruletest.NoSecretMatch(t, path, fs, hashShape)
	})
}

func TestDecode7(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"0822455D0A16", "cisco", true},
		{"02050D480809", "cisco", true},
		{"1", "", false},
		{"99AABB", "", false},
		{"08ZZ", "", false},
	}
	for _, tt := range tests {
		got, ok := decode7(tt.in)
		if diff := cmp.Diff([]any{tt.want, tt.ok}, []any{got, ok}); diff != "" {
			t.Errorf("decode7(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestMD5Crypt(t *testing.T) {
	// Vectors made with `openssl passwd -1 -salt <salt> <password>`.
	tests := []struct{ pw, salt, want string }{
		{"cisco", "abcd", "$1$abcd$2hDGYdE0UrwK2pqoiF6BB1"},
		{"S3cretEnable!", "Xy12", "$1$Xy12$sDMOEkfNgXl5.dRpDs31S0"},
	}
	for _, tt := range tests {
		if got := md5Crypt(tt.pw, tt.salt); got != tt.want {
			t.Errorf("md5Crypt(%q, %q) = %q, want %q", tt.pw, tt.salt, got, tt.want)
		}
	}
}

func TestKind(t *testing.T) {
	tests := []struct {
		v      device.Vendor
		typ    string
		val    string
		want   string
		strong bool
	}{
		{device.IOS, "5", "$1$abcd$x", "type 5 md5-crypt", false},
		{device.NXOS, "5", "$5$abcd$x", "type 5 sha256-crypt", true},
		{device.NXOS, "5", "$1$abcd$x", "type 5 md5-crypt", false},
		{device.NXOS, "5", "xxxxxxx", "type 5 sha256-crypt", true},
		{device.IOSXR, "10", "$6$abcd$x", "type 10 sha512-crypt", true},
		{device.IOS, "9", "$9$abcd$x", "type 9 scrypt", true},
		{device.IOS, "8", "$8$abcd$x", "type 8 pbkdf2-sha256", true},
		{device.IOS, "4", "abcdef", "type 4 unsalted sha256", false},
		{device.IOS, "7", "0822455D0A16", "type 7 reversible", false},
		{device.IOS, "", "cisco", "type 0 cleartext", false},
		{device.Junos, "", "$9$abc", "$9$ reversible", false},
		{device.Junos, "", "$6$abc$x", "$6$ sha512-crypt", true},
		{device.EOS, "sha512", "$6$abc$x", "$6$ sha512-crypt", true},
	}
	for _, tt := range tests {
		s := stored{typ: tt.typ, val: tt.val}
		if diff := cmp.Diff([]any{tt.want, tt.strong}, []any{s.kind(tt.v), s.strongHash(tt.v)}); diff != "" {
			t.Errorf("%s %q %q (-want +got):\n%s", tt.v, tt.typ, tt.val, diff)
		}
	}
}
