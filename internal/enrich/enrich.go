// Package enrich tags flow addresses with what seawall knows about them:
// country (from the country database), ASN, membership of the block
// policy, threat-list membership and the operator's inventory roles. All
// of it lives in one immutable Table, built once by Build and swapped
// atomically through a Holder on reload, so a flow costs one lookup per
// address.
package enrich

import (
	"net/netip"

	"github.com/seawall/seawall/internal/flow"
)

// Role is a set of inventory roles an address has.
type Role uint32

// Roles, from the `inventory:` section of seawall.yaml.
const (
	RoleDevice        Role = 1 << iota // a network device address
	RoleLoopback                       // a device loopback
	RoleManagement                     // inside a management network
	RoleJumpHost                       // an approved jump host
	RoleAAA                            // an approved TACACS+/RADIUS server
	RoleNMS                            // an approved SNMP manager / trap receiver
	RoleSyslog                         // an approved syslog collector
	RoleFlowCollector                  // an approved flow collector
	RoleNTP                            // an approved NTP server
	RoleTunnelPeer                     // an approved tunnel endpoint
	RoleBGPPeer                        // an expected BGP neighbour
	RoleSensitive                      // a sensitive host (CDR, subscriber, LI ...)
)

// Tags are what seawall knows about one address.
type Tags struct {
	// Country is the ISO 3166 code from the country database; zero when
	// unknown or when Special is set (private, loopback, multicast,
	// documentation and other special-purpose ranges never have one).
	Country [2]byte
	Special bool
	// ASN is the origin AS from the prefix-to-ASN table, 0 when unknown.
	ASN uint32
	// Blocked is set when the block policy covers the address.
	Blocked bool
	// Threat is a bitmask of the threat lists (by index in Table.Lists)
	// that contain the address.
	Threat uint64
	// Roles are the inventory roles, every one whose entry covers the
	// address; a device's addresses have RoleDevice and its loopbacks
	// RoleLoopback. Device is the index+1 of the inventory device the
	// address belongs to (0 for none), Sensitive the index+1 of the most
	// specific sensitive host entry covering it.
	Roles     Role
	Device    uint16
	Sensitive uint16
}

// CountryCode returns the country as a string, "" when unknown. It is
// called for both ends of every flow (store aggregates, detection), so it
// does not allocate: the code is a substring of codePairs.
func (t Tags) CountryCode() string {
	a, b := t.Country[0], t.Country[1]
	switch {
	case a == 0 && b == 0:
		return ""
	case a >= 'A' && a <= 'Z' && b >= 'A' && b <= 'Z':
		i := (int(a-'A')*26 + int(b-'A')) * 2
		return codePairs[i : i+2]
	}
	return string(t.Country[:])
}

// codePairs is every two-letter upper-case code, AA to ZZ, in order.
const codePairs = "" +
	"AAABACADAEAFAGAHAIAJAKALAMANAOAPAQARASATAUAVAWAXAYAZBABBBCBDBEBFBGBHBIBJBKBLBMBNBOBPBQBRBSBTBUBVBWBXBYBZ" +
	"CACBCCCDCECFCGCHCICJCKCLCMCNCOCPCQCRCSCTCUCVCWCXCYCZDADBDCDDDEDFDGDHDIDJDKDLDMDNDODPDQDRDSDTDUDVDWDXDYDZ" +
	"EAEBECEDEEEFEGEHEIEJEKELEMENEOEPEQERESETEUEVEWEXEYEZFAFBFCFDFEFFFGFHFIFJFKFLFMFNFOFPFQFRFSFTFUFVFWFXFYFZ" +
	"GAGBGCGDGEGFGGGHGIGJGKGLGMGNGOGPGQGRGSGTGUGVGWGXGYGZHAHBHCHDHEHFHGHHHIHJHKHLHMHNHOHPHQHRHSHTHUHVHWHXHYHZ" +
	"IAIBICIDIEIFIGIHIIIJIKILIMINIOIPIQIRISITIUIVIWIXIYIZJAJBJCJDJEJFJGJHJIJJJKJLJMJNJOJPJQJRJSJTJUJVJWJXJYJZ" +
	"KAKBKCKDKEKFKGKHKIKJKKKLKMKNKOKPKQKRKSKTKUKVKWKXKYKZLALBLCLDLELFLGLHLILJLKLLLMLNLOLPLQLRLSLTLULVLWLXLYLZ" +
	"MAMBMCMDMEMFMGMHMIMJMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANBNCNDNENFNGNHNINJNKNLNMNNNONPNQNRNSNTNUNVNWNXNYNZ" +
	"OAOBOCODOEOFOGOHOIOJOKOLOMONOOOPOQOROSOTOUOVOWOXOYOZPAPBPCPDPEPFPGPHPIPJPKPLPMPNPOPPPQPRPSPTPUPVPWPXPYPZ" +
	"QAQBQCQDQEQFQGQHQIQJQKQLQMQNQOQPQQQRQSQTQUQVQWQXQYQZRARBRCRDRERFRGRHRIRJRKRLRMRNRORPRQRRRSRTRURVRWRXRYRZ" +
	"SASBSCSDSESFSGSHSISJSKSLSMSNSOSPSQSRSSSTSUSVSWSXSYSZTATBTCTDTETFTGTHTITJTKTLTMTNTOTPTQTRTSTTTUTVTWTXTYTZ" +
	"UAUBUCUDUEUFUGUHUIUJUKULUMUNUOUPUQURUSUTUUUVUWUXUYUZVAVBVCVDVEVFVGVHVIVJVKVLVMVNVOVPVQVRVSVTVUVVVWVXVYVZ" +
	"WAWBWCWDWEWFWGWHWIWJWKWLWMWNWOWPWQWRWSWTWUWVWWWXWYWZXAXBXCXDXEXFXGXHXIXJXKXLXMXNXOXPXQXRXSXTXUXVXWXXXYXZ" +
	"YAYBYCYDYEYFYGYHYIYJYKYLYMYNYOYPYQYRYSYTYUYVYWYXYYYZZAZBZCZDZEZFZGZHZIZJZKZLZMZNZOZPZQZRZSZTZUZVZWZXZYZZ"

// Flow is a decoded flow with both ends tagged. SrcASN and DstASN are the
// flow's own AS fields when the exporter sent them, else the table's.
type Flow struct {
	flow.Record
	Src, Dst       Tags
	SrcASN, DstASN uint32
}

// Addr returns the flow's source or destination address.
func (f *Flow) Addr(dst bool) netip.Addr {
	if dst {
		return f.DstAddr
	}
	return f.SrcAddr
}
