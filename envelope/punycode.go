package envelope

import (
	"strings"
	"unicode/utf8"

	"github.com/msakit/msakit/internal/ascii"
)

// Punycode parameters (RFC 3492, Section 5).
const (
	pcBase        = 36
	pcTMin        = 1
	pcTMax        = 26
	pcSkew        = 38
	pcDamp        = 700
	pcInitialBias = 72
	pcInitialN    = 128
)

// toUnicode returns the U-label form of a, an ASCII name that profile.ToASCII
// produced: each "xn--" label decoded with Punycode (RFC 3492, Section 6.2).
// Because those A-labels are the encodings of U-labels the profile has just
// validated, decoding gives the U-labels back without validating them again,
// at a fraction of the cost of profile.ToUnicode. It reports false if a label
// does not decode or decodes to a U-label that begins or ends with a hyphen
// (RFC 5891, Section 4.2.3.1), which ParseDomain treats as IDNA errors.
func toUnicode(a string) (u string, ok bool) {
	// Most names fit in 256 octets of UTF-8; append moves longer ones (at
	// most 4 octets per A-label octet) to the heap.
	var buf [256]byte
	b := buf[:0]
	for i := 0; ; i++ {
		label, rest, more := strings.Cut(a, ".")
		if i > 0 {
			b = append(b, '.')
		}
		if strings.HasPrefix(label, "xn--") {
			start := len(b)
			if b, ok = decodePunycode(b, label[4:]); !ok || len(b) == start || b[start] == '-' || b[len(b)-1] == '-' {
				return "", false
			}
		} else {
			b = append(b, label...)
		}
		if !more {
			return string(b), true
		}
		a = rest
	}
}

// decodePunycode appends the decoding of the Punycode string s (RFC 3492,
// Section 6.2) to b, in UTF-8. It reports false for input that is not valid
// Punycode, decodes to more than 63 code points, or decodes to U+FFFD.
func decodePunycode(b []byte, s string) ([]byte, bool) {
	var buf [maxLabelLen]rune
	out := buf[:0]
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		if i >= cap(buf) {
			return b, false
		}
		for j := 0; j < i; j++ {
			if s[j] >= 0x80 {
				return b, false
			}
			out = append(out, rune(s[j]))
		}
		s = s[i+1:]
	}
	// The state stays below 1<<30, so int64 products cannot overflow and
	// no division is needed to check the bounds (RFC 3492, Section 6.4).
	const limit = 1 << 30
	n, bias, i := int32(pcInitialN), int32(pcInitialBias), int32(0)
	for pos := 0; pos < len(s); {
		oldi, w := i, int32(1)
		for k := int32(pcBase); ; k += pcBase {
			if pos == len(s) {
				return b, false
			}
			digit, ok := pcDigit(s[pos])
			pos++
			if !ok {
				return b, false
			}
			next := int64(i) + int64(digit)*int64(w)
			if next > limit {
				return b, false
			}
			i = int32(next)
			t := k - bias
			if t < pcTMin {
				t = pcTMin
			} else if t > pcTMax {
				t = pcTMax
			}
			if digit < t {
				break
			}
			if int64(w)*int64(pcBase-t) > limit {
				return b, false
			}
			w *= pcBase - t
		}
		count := int32(len(out) + 1)
		bias = pcAdapt(i-oldi, count, oldi == 0)
		q := i / count
		if int64(n)+int64(q) > limit {
			return b, false
		}
		n += q
		i -= q * count
		if n > utf8.MaxRune || len(out) == cap(buf) {
			return b, false
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = n
		i++
	}
	for _, r := range out {
		if r == utf8.RuneError {
			// U+FFFD is disallowed in IDNA2008; x/net/idna puts it in an
			// A-label for an invalid UTF-8 octet.
			return b, false
		}
		b = utf8.AppendRune(b, r)
	}
	return b, true
}

// pcDigit returns the value of a Punycode digit (RFC 3492, Section 5).
func pcDigit(c byte) (int32, bool) {
	switch {
	case ascii.IsAlpha(c):
		return int32(ascii.Lower(c) - 'a'), true
	case ascii.IsDigit(c):
		return int32(c-'0') + 26, true
	}
	return 0, false
}

// pcAdapt is the bias adaptation function of RFC 3492, Section 6.1.
func pcAdapt(delta, numPoints int32, first bool) int32 {
	if first {
		delta /= pcDamp
	} else {
		delta /= 2
	}
	delta += delta / numPoints
	k := int32(0)
	for delta > ((pcBase-pcTMin)*pcTMax)/2 {
		delta /= pcBase - pcTMin
		k += pcBase
	}
	return k + (pcBase-pcTMin+1)*delta/(delta+pcSkew)
}
