package cred

import (
	"crypto/md5" // md5-crypt is what the devices store; only known defaults are tested against it
	"slices"
	"strconv"
	"strings"

	"github.com/seawall/seawall/internal/audit/device"
)

// stored is one credential as a configuration keeps it: the type word the
// vendor wrote (if any) and the value (hash, ciphertext or cleartext). It
// never leaves this package: messages use kind() only.
type stored struct {
	typ string
	val string
}

// secretAt reads the credential that follows words[i] (a keyword such as
// "secret" or "password"), skipping an IOS `level <n>` and a type word.
// end is the index of the value; ok is false when nothing follows.
func secretAt(words []string, i int) (s stored, end int, ok bool) {
	j := i + 1
	if j+1 < len(words) && words[j] == "level" {
		j += 2
	}
	if j+1 < len(words) && isTypeWord(words[j]) {
		s.typ = words[j]
		j++
	}
	if j >= len(words) {
		return s, j, false
	}
	if w := words[j]; strings.HasPrefix(w, `"`) && (len(w) == 1 || !strings.HasSuffix(w, `"`)) {
		// A quoted value with spaces spans words up to its closing quote.
		k := j + 1
		for k < len(words) && !strings.HasSuffix(words[k], `"`) {
			k++
		}
		k = min(k, len(words)-1)
		s.val = strings.Trim(strings.Join(words[j:k+1], " "), `"`)
		return s, k, s.val != ""
	}
	s.val = strings.Trim(words[j], `"`)
	return s, j, s.val != ""
}

// secretAfter finds key among n's words and reads the credential after it.
func secretAfter(n *device.Node, key string) (stored, bool) {
	i := slices.Index(n.Words, key)
	if i < 0 {
		return stored{}, false
	}
	s, _, ok := secretAt(n.Words, i)
	return s, ok
}

// isTypeWord reports whether w is a type marker between a keyword and its
// value: a Cisco type number or an algorithm name (EOS `secret sha512`).
func isTypeWord(w string) bool {
	switch w {
	case "sha512", "sha256", "md5", "encrypted":
		return true
	}
	if len(w) == 0 || len(w) > 2 {
		return false
	}
	_, err := strconv.Atoi(w)
	return err == nil
}

// hashed reports whether val has the shape of a crypt(3)-style hash, so a
// value without a type word is not mistaken for cleartext.
func hashed(val string) bool {
	for _, p := range []string{"$1$", "$5$", "$6$", "$8$", "$9$", "$14$", "$sha512$"} {
		if strings.HasPrefix(val, p) {
			return true
		}
	}
	return false
}

// cleartext reports whether the credential is stored readable.
func (s stored) cleartext() bool {
	return s.typ == "0" || (s.typ == "" && !hashed(s.val))
}

// kind names how the credential is protected, never what it is: the only
// description of a secret that may appear in a message.
func (s stored) kind(v device.Vendor) string {
	switch {
	case v == device.Junos && s.typ == "" && !strings.HasPrefix(s.val, "$"):
		// Junos stores only crypt hashes under encrypted-password; any
		// other value is a placeholder a backup tool wrote (Oxidized masks
		// them) or a hand edit, so its strength cannot be told.
		return "a value that is not a crypt hash (masked by a backup tool, or hand-edited)"
	case s.cleartext():
		return "type 0 cleartext"
	case s.typ == "4":
		// Type 4 was meant to be PBKDF2 but shipped as one unsalted
		// SHA-256 round; Cisco withdrew it.
		return "type 4 unsalted sha256"
	case s.typ == "sha512" && !hashed(s.val):
		return "sha512-crypt"
	case strings.HasPrefix(s.val, "$1$"), strings.HasPrefix(s.val, "$5$"), strings.HasPrefix(s.val, "$6$"):
		// The value's shape decides the algorithm (NX-OS type 5 may be
		// either md5-crypt or sha256-crypt); the type number, when
		// written, stays in the name because it is what operators grep.
		algo := device.HashType(v, "", s.val)
		if _, err := strconv.Atoi(s.typ); err == nil {
			return "type " + s.typ + " " + algo[strings.IndexByte(algo, ' ')+1:]
		}
		return algo
	}
	return device.HashType(v, s.typ, s.val)
}

// strongHash reports whether a login secret is a salted, slow, one-way
// hash: type 8 (PBKDF2-SHA256), type 9 (scrypt), SHA-512-crypt (XR type 10,
// Junos and EOS $6$) or SHA-256-crypt (NX-OS type 5, $5$). MD5-crypt, type 4,
// type 7, type 6 and cleartext are not: they are cracked or reversed from a
// stolen configuration, which is how the actors used them (TALOS-ST).
func (s stored) strongHash(v device.Vendor) bool {
	switch {
	case strings.HasPrefix(s.val, "$8$"), strings.HasPrefix(s.val, "$6$"), strings.HasPrefix(s.val, "$5$"), strings.HasPrefix(s.val, "$14$"):
		return true
	case strings.HasPrefix(s.val, "$9$"):
		return v != device.Junos // Junos $9$ is reversible obfuscation
	case strings.HasPrefix(s.val, "$1$"):
		return false
	}
	switch s.typ {
	case "8", "9", "10", "sha512":
		return true
	case "5":
		return v == device.NXOS
	}
	return false
}

// defaultPasswords are factory and habitual passwords: vendor defaults
// (cisco, class and enable from Cisco's own examples, admin) and the few
// that every password-spraying list starts with. Compared internally only.
var defaultPasswords = []string{
	"cisco", "Cisco", "cisco123", "Cisco123", "class", "enable", "admin", "Admin",
	"password", "Password", "changeme", "default", "root", "juniper123", "Juniper", "arista",
}

// isDefault reports whether the credential is a well-known default: it is
// read directly when it is cleartext, decoded when it is type 7, and tested
// against md5-crypt when it is $1$. Stronger hashes are too slow to test
// here and are left to the device-state login test.
func (s stored) isDefault() bool {
	if plain, ok := s.plain(); ok {
		return slices.Contains(defaultPasswords, plain)
	}
	if salt, ok := md5Salt(s.val); ok {
		for _, p := range defaultPasswords {
			if md5Crypt(p, salt) == s.val {
				return true
			}
		}
	}
	return false
}

// plain returns the cleartext of a cleartext or type 7 credential.
func (s stored) plain() (string, bool) {
	switch {
	case s.cleartext():
		return s.val, true
	case s.typ == "7":
		return decode7(s.val)
	}
	return "", false
}

// type7Key is the fixed key of Cisco's type 7 "encryption": it is public,
// which is why type 7 counts as cleartext.
const type7Key = "dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87"

// decode7 reverses a Cisco type 7 string: two decimal digits of key offset,
// then hex bytes XORed with the key.
func decode7(s string) (string, bool) {
	if len(s) < 4 || len(s)%2 != 0 {
		return "", false
	}
	seed, err := strconv.Atoi(s[:2])
	if err != nil || seed < 0 || seed >= len(type7Key) {
		return "", false
	}
	out := make([]byte, 0, (len(s)-2)/2)
	for i := 2; i < len(s); i += 2 {
		b, err := strconv.ParseUint(s[i:i+2], 16, 8)
		if err != nil {
			return "", false
		}
		out = append(out, byte(b)^type7Key[(seed+(i-2)/2)%len(type7Key)])
	}
	return string(out), true
}

// md5Salt returns the salt of a $1$salt$hash string.
func md5Salt(h string) (string, bool) {
	rest, ok := strings.CutPrefix(h, "$1$")
	if !ok {
		return "", false
	}
	salt, _, ok := strings.Cut(rest, "$")
	return salt, ok
}

// md5Crypt is Poul-Henning Kamp's md5-crypt ($1$), as IOS type 5, Junos
// and EOS store it.
func md5Crypt(pw, salt string) string {
	const magic = "$1$"
	if len(salt) > 8 {
		salt = salt[:8]
	}
	alt := md5.Sum([]byte(pw + salt + pw))
	h := md5.New()
	h.Write([]byte(pw + magic + salt))
	for i := len(pw); i > 0; i -= 16 {
		h.Write(alt[:min(16, i)])
	}
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write([]byte{pw[0]})
		}
	}
	sum := h.Sum(nil)
	for i := range 1000 {
		r := md5.New()
		if i&1 != 0 {
			r.Write([]byte(pw))
		} else {
			r.Write(sum)
		}
		if i%3 != 0 {
			r.Write([]byte(salt))
		}
		if i%7 != 0 {
			r.Write([]byte(pw))
		}
		if i&1 != 0 {
			r.Write(sum)
		} else {
			r.Write([]byte(pw))
		}
		sum = r.Sum(nil)
	}
	const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	out := []byte(magic + salt + "$")
	enc := func(a, b, c byte, n int) {
		v := uint(a)<<16 | uint(b)<<8 | uint(c)
		for ; n > 0; n-- {
			out = append(out, itoa64[v&0x3f])
			v >>= 6
		}
	}
	enc(sum[0], sum[6], sum[12], 4)
	enc(sum[1], sum[7], sum[13], 4)
	enc(sum[2], sum[8], sum[14], 4)
	enc(sum[3], sum[9], sum[15], 4)
	enc(sum[4], sum[10], sum[5], 4)
	enc(0, 0, sum[11], 2)
	return string(out)
}
