package device

import (
	"unicode/utf16"
	"unicode/utf8"
)

// decodeText turns the encodings configuration files are found in into
// UTF-8 without changing the line structure: a UTF-8 byte-order mark is
// dropped, and UTF-16 (with a byte-order mark, or recognisable by the NUL
// bytes in every other position, as Windows tools save it) is converted.
// Anything else is returned as is.
func decodeText(data []byte) []byte {
	switch {
	case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
		return data[3:]
	case len(data) >= 2 && data[0] == 0xFF && data[1] == 0xFE:
		return fromUTF16(data[2:], false)
	case len(data) >= 2 && data[0] == 0xFE && data[1] == 0xFF:
		return fromUTF16(data[2:], true)
	}
	if le, ok := looksUTF16(data); ok {
		return fromUTF16(data, !le)
	}
	return data
}

// looksUTF16 reports whether the start of data is ASCII text stored as
// UTF-16 without a byte-order mark, and whether it is little-endian.
func looksUTF16(data []byte) (littleEndian, ok bool) {
	n := min(len(data), 256) &^ 1
	if n < 8 {
		return false, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			zeroEven++
		}
		if data[i+1] == 0 {
			zeroOdd++
		}
	}
	half := n / 2
	switch {
	case zeroOdd*10 >= half*9 && zeroEven == 0:
		return true, true
	case zeroEven*10 >= half*9 && zeroOdd == 0:
		return false, true
	}
	return false, false
}

func fromUTF16(data []byte, bigEndian bool) []byte {
	u := make([]uint16, len(data)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		} else {
			u[i] = uint16(data[2*i+1])<<8 | uint16(data[2*i])
		}
	}
	out := make([]byte, 0, len(u)+len(u)/8)
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	return out
}
