package prefixset

import (
	"math/big"
	"math/bits"
	"net/netip"
)

// U128 is an unsigned 128-bit integer. IPv4 addresses live in Lo's low 32
// bits so that one set of range arithmetic serves both families.
type U128 struct{ Hi, Lo uint64 }

// FromAddr returns the address as an integer: IPv4 as a 32-bit value, IPv6
// as 128 bits. IPv4-mapped IPv6 addresses are treated as IPv6.
func FromAddr(a netip.Addr) U128 {
	if a.Is4() {
		b := a.As4()
		return U128{Lo: uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	return U128{Hi: be64(b[0:8]), Lo: be64(b[8:16])}
}

// Addr converts back; bits is 32 or 128.
func (u U128) Addr(bits int) netip.Addr {
	if bits == 32 {
		v := uint32(u.Lo)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	var b [16]byte
	put64(b[0:8], u.Hi)
	put64(b[8:16], u.Lo)
	return netip.AddrFrom16(b)
}

func be64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}

func put64(b []byte, v uint64) {
	_ = b[7]
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// Cmp compares u and v.
func (u U128) Cmp(v U128) int {
	switch {
	case u.Hi < v.Hi:
		return -1
	case u.Hi > v.Hi:
		return 1
	case u.Lo < v.Lo:
		return -1
	case u.Lo > v.Lo:
		return 1
	}
	return 0
}

// Add returns u+v, wrapping on overflow.
func (u U128) Add(v U128) U128 {
	lo, c := bits.Add64(u.Lo, v.Lo, 0)
	hi, _ := bits.Add64(u.Hi, v.Hi, c)
	return U128{hi, lo}
}

// Sub returns u-v, wrapping on underflow.
func (u U128) Sub(v U128) U128 {
	lo, b := bits.Sub64(u.Lo, v.Lo, 0)
	hi, _ := bits.Sub64(u.Hi, v.Hi, b)
	return U128{hi, lo}
}

// AddOne returns u+1.
func (u U128) AddOne() U128 { return u.Add(U128{Lo: 1}) }

// SubOne returns u-1.
func (u U128) SubOne() U128 { return u.Sub(U128{Lo: 1}) }

// IsZero reports whether u is 0.
func (u U128) IsZero() bool { return u.Hi == 0 && u.Lo == 0 }

// Big returns u as a big integer, for printing counts that overflow uint64.
func (u U128) Big() *big.Int {
	b := new(big.Int).SetUint64(u.Hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(u.Lo))
}

// String prints u in decimal.
func (u U128) String() string { return u.Big().String() }

// trailingZeros counts trailing zero bits; 128 for zero.
func (u U128) trailingZeros() int {
	if u.Lo != 0 {
		return bits.TrailingZeros64(u.Lo)
	}
	if u.Hi != 0 {
		return 64 + bits.TrailingZeros64(u.Hi)
	}
	return 128
}

// pow2 returns 2^n for n in [0,127]; 2^128 is not representable, so callers
// treat n == 128 separately.
func pow2(n int) U128 {
	if n >= 64 {
		return U128{Hi: 1 << (n - 64)}
	}
	return U128{Lo: 1 << n}
}

// mask returns the lowest n bits set (n in [0,128]).
func mask(n int) U128 {
	switch {
	case n <= 0:
		return U128{}
	case n < 64:
		return U128{Lo: 1<<n - 1}
	case n == 64:
		return U128{Lo: ^uint64(0)}
	case n < 128:
		return U128{Hi: 1<<(n-64) - 1, Lo: ^uint64(0)}
	}
	return U128{Hi: ^uint64(0), Lo: ^uint64(0)}
}

func (u U128) or(v U128) U128 { return U128{u.Hi | v.Hi, u.Lo | v.Lo} }
