package device

import (
	"strings"
	"testing"
)

// fuzzSeeds are small inputs in every dialect and the awkward shapes the
// parsers must survive.
var fuzzSeeds = []string{
	"hostname r1\ninterface Gi0/0\n ip address 10.0.0.1 255.255.255.0\n shutdown\n",
	"banner motd ^C\nhello\n^C\nline vty 0 4\n transport input ssh\n",
	"banner login\ntext\nEOF\n",
	"macro name m\n a\n@\n",
	"crypto pki certificate chain T\n certificate 01\n  AB\n  quit\n",
	"route-policy P\n  pass\nend-policy\n",
	"system {\n    host-name r1;\n    inactive: services { telnet; }\n}\n",
	"set system host-name r1\ndeactivate system host-name\ndelete system\n",
	"a { b [ c d ]; /* x */ e \"f g\"; # h\n}\n",
	"\xff\xfeh\x00i\x00\n\x00",
	"\xef\xbb\xbfhostname r1\n",
	"}}}{{{[[[]]]\"\\",
}

// FuzzParseIndented checks the Cisco-style parser never panics and keeps
// the tree invariants.
func FuzzParseIndented(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, v := range []Vendor{IOS, NXOS, IOSXR, EOS} {
			c, err := Parse("f", []byte(in), v)
			if err != nil {
				t.Fatal(err)
			}
			if err := treeInvariants(c, lineCount([]byte(in))); err != nil {
				t.Fatalf("%s: %v", v, err)
			}
		}
	})
}

// FuzzParseJunos checks the Junos parser (brace and set forms) never panics
// and keeps the tree invariants.
func FuzzParseJunos(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Parse("f", []byte(in), Junos)
		if err != nil {
			t.Fatal(err)
		}
		if err := treeInvariants(c, lineCount([]byte(in))); err != nil {
			t.Fatal(err)
		}
		for _, l := range c.Root.Leaves() {
			_ = l[len(l)-1].SetPath()
		}
	})
}

// FuzzDetect checks detection never panics, agrees with Parse, and gives
// the same answer for a file and the file with a UTF-8 byte-order mark.
func FuzzDetect(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v, why := Detect("r1.cfg", []byte(in))
		if why == "" {
			t.Fatal("no evidence given")
		}
		c, err := Parse("r1.cfg", []byte(in), Unknown)
		switch {
		case v.Supported() && (err != nil || c.Vendor != v):
			t.Fatalf("Detect says %q but Parse gives %v", v, err)
		case !v.Supported() && err == nil:
			t.Fatalf("Detect says %q but Parse parsed it", v)
		}
		if len(in) < 2 || (in[0] != 0xff && in[0] != 0xfe && in[0] != 0xef) {
			if bom, _ := Detect("r1.cfg", []byte("\xef\xbb\xbf"+in)); bom != v {
				t.Fatalf("with a byte-order mark: %q, without: %q", bom, v)
			}
		}
	})
}

// FuzzRedact checks that Redact never panics, never grows a secret back
// (redacting twice changes nothing) and never leaves a value that followed
// "secret 5" or "password 7".
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"enable secret 5 $1$abc$def", "username a password 7 0822455D0A16", "snmp-server community public RO",
		"set system root-authentication encrypted-password \"$6$x$y\"", " standby 1 authentication md5 key-string k",
		"pre-shared-key ascii-text \"a b c\";", "key \"", "secret", "community \"x",
	} {
		f.Add(s, "zz9secret")
	}
	f.Fuzz(func(t *testing.T, line, secret string) {
		for _, v := range []Vendor{IOS, NXOS, IOSXR, EOS, Junos} {
			once := Redact(v, line)
			if twice := Redact(v, once); twice != once {
				t.Fatalf("%s: not idempotent: %q -> %q -> %q", v, line, once, twice)
			}
			if strings.ContainsAny(secret, " \t\"<>;{}") || secret == "" || strings.Contains(line+" secret 5 password 7 key 7", secret) {
				continue
			}
			for _, k := range []string{"secret 5 ", "password 7 ", "key 7 "} {
				if got := Redact(v, line+" "+k+secret); strings.Contains(withoutMarkers(got), secret) {
					t.Fatalf("%s: %q kept the secret: %q", v, line+" "+k+secret, got)
				}
			}
		}
	})
}

// withoutMarkers drops the "<...>" markers from a redacted line, since a
// short fuzzed secret may be a substring of a marker's text.
func withoutMarkers(s string) string {
	var sb strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		sb.WriteString(s[:i])
		s = s[i+j+1:]
	}
	sb.WriteString(s)
	return sb.String()
}
