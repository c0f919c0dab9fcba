package device

import "strings"

// secretKeys are the words after which a configuration carries a password,
// hash, key or community string (possibly after a type number or
// algorithm word).
var secretKeys = map[string]bool{
	"password": true, "secret": true, "key": true, "server-key": true, "community": true,
	"key-string": true, "pre-shared-key": true, "authentication-key": true, "encrypted-password": true,
	"md5": true, "sha": true, "sha-2": true, "priv": true, "auth": true, "ascii-text": true, "hexadecimal": true,
	"message-digest-key": false, "simple-password": true, "value": true, "encrypted": true, "localizedkey": true,
	"shared-secret": true, "wpa-psk": true, "authentication": false, "plain-text-password-value": true,
	"ssh-rsa": true, "ssh-ed25519": true, "ssh-ecdsa": true, "ssh-dsa": true, "pre-shared": false,
	"auth-password": true, "privacy-password": true, "set-key": true, "passphrase": true, "rsa-pubkey": false, "key-hash": true,
}

// typeWords may sit between a secret keyword and the secret itself.
var typeWords = map[string]bool{
	"0": true, "4": true, "5": true, "6": true, "7": true, "8": true, "9": true, "10": true,
	"sha512": true, "sha256": true, "md5": true, "aes": true, "aes-128": true, "aes128": true, "aes-256": true, "aes256": true, "3des": true, "des": true,
	"sha": true, "sha-2": true, "des56": true, "hmac-sha1": true, "hmac-sha2-256": true, "hmac-md5": true, "encrypted": true, "unencrypted": true, "clear": true,
	"ascii": true, "hex": true, "ascii-text": true, "hexadecimal": true, "text": true, "cisco-aes": true, "256": true, "128": true, "192": true,
}

// notSecrets are words that follow a secret keyword but are syntax, not a
// secret (e.g. `key chain NAME`, `password encryption aes`, `auth sha`).
var notSecrets = map[string]bool{
	"chain": true, "encryption": true, "config-key": true, "exchange": true, "authentication": true,
	"view": true, "ro": true, "rw": true, "RO": true, "RW": true, "group": true, "priv": true, "auth": true,
	"priv-protocol": true, "read": true, "write": true, "notify": true, "access": true, "context": true, "match": true, "auth-protocol": true, "strength": true, "length": true, "min-length": true,
	"required": true, "prompt": true, "option": true, "policy": true, "timeout": true, "retries": true,
	"mode": true, "lifetime": true, "history": true, "change": true, "age": true, "format": true,
	"{": true, ";": true, "generate": true, "key-string": true, "key-chain": true, "rsa": true, "pubkey-chain": true, "string": true, "management": true,
}

// Redact replaces secrets in one configuration line (or Junos `set` line)
// with a marker naming only their type ("<type 7>", "<$1$ md5-crypt>",
// "<secret>"), so findings never print a password, hash, key or community.
func Redact(v Vendor, line string) string {
	words := strings.Fields(line)
	if len(words) == 0 {
		return line
	}
	changed := false
	first := strings.Trim(words[0], `";`)
	start := 0
	if len(words) > 1 && first == "snmp-server" && words[1] == "host" {
		// Trap receivers have their own grammar (snmpHostCommunity);
		// "priv" there is a security level, not a key.
		start = len(words)
	}
	for i := start; i < len(words); i++ {
		w := strings.Trim(words[i], `";`)
		// HSRP and VRRP put the key straight after "authentication"
		// (optionally after "text" or "md5").
		hsrp := w == "authentication" && (first == "standby" || first == "vrrp")
		// Junos names SNMP communities in brace form without the
		// "snmp" word on the line.
		junosCommunity := w == "community" && v == Junos && i == 0 && len(words) >= 2 &&
			(len(words) == 2 || words[2] == "{" || words[2] == "authorization" || words[2] == "clients")
		if !secretKeys[w] && !hsrp {
			continue
		}
		j := i + 1
		typ := ""
		if j+2 < len(words) && words[j] == "level" {
			// `enable secret level 15 5 $1$...`: the privilege level
			// sits before the type.
			j += 2
		}
		if j+1 < len(words) && isKeyID(words[j]) && !typeWords[words[j]] &&
			(secretKeys[strings.Trim(words[j+1], `";`)] || typeWords[strings.Trim(words[j+1], `";`)] || strings.HasPrefix(words[j+1], "<")) {
			// `ntp authentication-key 3 hmac-sha1 KEY`: 3 is the key's number.
			j++
		}
		for j < len(words) && typeWords[strings.Trim(words[j], `";`)] && j+1 < len(words) {
			typ = strings.Trim(words[j], `";`)
			j++
		}
		if j >= len(words) {
			continue
		}
		if end, ok := marker(words, j); ok {
			// Already redacted: leave the marker as it is.
			i = end
			continue
		}
		end := j
		if strings.HasPrefix(words[j], `"`) && (len(strings.TrimRight(words[j], ";")) < 2 || !strings.HasSuffix(strings.TrimRight(words[j], ";"), `"`)) {
			// A quoted value with spaces runs to the word closing the quote.
			end = j + 1
			for end < len(words)-1 && !strings.HasSuffix(strings.TrimRight(words[end], ";"), `"`) {
				end++
			}
			end = min(end, len(words)-1)
		}
		val := strings.Trim(strings.Join(words[j:end+1], " "), `"; `)
		if notSecrets[val] || val == "" || (end == j && secretKeys[val] && j+1 < len(words)) {
			// Syntax, or another keyword whose own value follows.
			continue
		}
		snmpCommunity := i > 0 && (words[i-1] == "snmp" || words[i-1] == "snmp-server")
		if w == "community" && !junosCommunity && !snmpCommunity {
			// Only SNMP communities are secrets; route-map and BGP
			// communities are values such as 65535:666.
			continue
		}
		if typ == "0" && end == j {
			// An explicit cleartext value is unquoted and may hold spaces
			// (`password 0 two words secret 0 ...`): it runs to the next
			// secret keyword or the end of the line. Hiding a trailing
			// option too is the safe error.
			for end+1 < len(words) && !secretKeys[strings.Trim(words[end+1], `";`)] {
				end++
			}
		}
		semi := ""
		if strings.HasSuffix(words[end], ";") {
			semi = ";"
		}
		words[j] = "<" + HashType(v, typ, val) + ">" + semi
		words = append(words[:j+1], words[end+1:]...)
		changed = true
		// Only the secret itself goes; what follows is syntax again.
		i = j
	}
	if snmpHostCommunity(words) {
		changed = true
	}
	for k, w := range words {
		if r := redactURL(w); r != w {
			words[k] = r
			changed = true
		}
	}
	if !changed {
		return line
	}
	indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	return indent + strings.Join(words, " ")
}

// marker reports whether words[j:] start with a marker Redact wrote
// ("<type 7 reversible>", "<secret>"), and the index of its last word, so
// that redacting twice changes nothing.
func marker(words []string, j int) (int, bool) {
	if !strings.HasPrefix(words[j], "<") {
		return 0, false
	}
	for k := j; k < len(words) && k < j+4; k++ {
		w := strings.TrimSuffix(words[k], ";")
		if !strings.HasSuffix(w, ">") {
			continue
		}
		for _, s := range []string{"secret>", "crypt>", "reversible>", "cleartext>", "aes>", "pbkdf2-sha256>", "scrypt>"} {
			if strings.HasSuffix(w, s) {
				return k, true
			}
		}
		return 0, false
	}
	return 0, false
}

// HashType names how a stored secret is protected, for a vendor, from its
// type word ("5", "7", "sha512", ...) and its value's shape.
func HashType(v Vendor, typ, val string) string {
	switch {
	case strings.HasPrefix(val, "$1$"):
		return "$1$ md5-crypt"
	case strings.HasPrefix(val, "$5$"):
		return "$5$ sha256-crypt"
	case strings.HasPrefix(val, "$6$"):
		return "$6$ sha512-crypt"
	case strings.HasPrefix(val, "$8$"):
		return "type 8 pbkdf2-sha256"
	case strings.HasPrefix(val, "$9$") && v != Junos:
		return "type 9 scrypt"
	case strings.HasPrefix(val, "$9$") && v == Junos:
		return "$9$ reversible"
	case strings.HasPrefix(val, "$14$"):
		return "$14$ scrypt"
	}
	switch typ {
	case "0", "clear", "unencrypted", "text":
		return "type 0 cleartext"
	case "7":
		return "type 7 reversible"
	case "5":
		if v == NXOS {
			return "type 5 sha256-crypt"
		}
		return "type 5 md5-crypt"
	case "6":
		return "type 6 aes"
	case "8":
		return "type 8 pbkdf2-sha256"
	case "9":
		return "type 9 scrypt"
	case "10":
		return "type 10 sha512-crypt"
	case "":
		return "secret"
	}
	return typ + " secret"
}

func isKeyID(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// snmpHostCommunity redacts the community of a v1/v2c trap or inform
// receiver, which IOS, NX-OS and EOS write as a bare word:
// `snmp-server host ADDR [vrf V|use-vrf V] [traps|informs] [version 1|2c|3 [auth|noauth|priv]] COMMUNITY [udp-port N] ...`.
// For version 3 the word is a user name, not a secret, and stays.
func snmpHostCommunity(words []string) bool {
	if len(words) < 4 || words[0] != "snmp-server" || words[1] != "host" {
		return false
	}
	v3 := false
	i := 3
	for i < len(words) {
		switch words[i] {
		case "vrf", "use-vrf":
			i += 2
			continue
		case "traps", "informs":
			i++
			continue
		case "version":
			if i+1 < len(words) && words[i+1] == "3" {
				v3 = true
				i += 2
				if i < len(words) && (words[i] == "auth" || words[i] == "noauth" || words[i] == "priv") {
					i++
				}
				continue
			}
			i += 2
			continue
		}
		break
	}
	if v3 || i >= len(words) || strings.HasPrefix(words[i], "<") {
		return false
	}
	words[i] = "<community>"
	return true
}

// redactURL hides the password in a URL such as ftp://user:pass@host/file.
func redactURL(w string) string {
	k := strings.Index(w, "://")
	if k < 0 {
		return w
	}
	rest := w[k+3:]
	at := strings.IndexByte(rest, '@')
	if at < 0 {
		return w
	}
	userinfo := rest[:at]
	colon := strings.IndexByte(userinfo, ':')
	if colon < 0 || strings.HasPrefix(userinfo[colon+1:], "<") {
		return w
	}
	return w[:k+3] + userinfo[:colon+1] + "<secret>" + rest[at:]
}
