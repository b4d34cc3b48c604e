package header

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// charsetReader converts text in a charset named in an encoded-word to
// UTF-8, looking the name up in the IANA registry (as MIME names) and then
// the WHATWG list of labels. It is what go-message's charset package does,
// without that package's side effect of setting a global on import.
func charsetReader(name string, input io.Reader) (io.Reader, error) {
	enc, err := ianaindex.MIME.Encoding(name)
	if enc == nil || err != nil {
		enc, err = htmlindex.Get(name)
	}
	if err != nil || enc == nil {
		return nil, fmt.Errorf("unknown charset %q", name)
	}
	return enc.NewDecoder().Reader(input), nil
}

// decodeWord decodes an atom that is a whole RFC 2047 encoded-word
// (RFC 2047, Sections 2 to 5). An atom that is not an encoded-word, or one
// that cannot be decoded (unknown charset, bad encoding), comes back as it
// is (RFC 2047, Section 6.3), with encoded false. Decoded text holding a
// control character or invalid UTF-8 is an error: no header value may
// smuggle CR, LF, NUL or other controls through an encoded-word.
func decodeWord(atom string) (text string, encoded bool, err error) {
	if !isEncodedWordShape(atom) {
		return atom, false, nil
	}
	d := mime.WordDecoder{CharsetReader: charsetReader}
	out, derr := d.Decode(atom)
	if derr != nil {
		return atom, false, nil //nolint:nilerr // RFC 2047 §6.3: show undecodable words as they are
	}
	if !utf8.ValidString(out) {
		return "", false, errors.New("encoded-word decodes to invalid UTF-8")
	}
	for _, r := range out {
		if isControlRune(r) {
			return "", false, errors.New("encoded-word decodes to a control character")
		}
	}
	return out, true, nil
}

// isEncodedWordShape reports whether an atom has the shape of an RFC 2047
// encoded-word, "=?" ... "?=" with room for a charset, an encoding and
// text (RFC 2047, Section 2); [decodeWord] judges the rest.
func isEncodedWordShape(atom string) bool {
	return len(atom) >= 8 && strings.HasPrefix(atom, "=?") && strings.HasSuffix(atom, "?=")
}

// isControlRune reports whether r is a control character other than HTAB:
// C0 and DEL (RFC 5234, Appendix B.1 CTL) or C1 (U+0080 to U+009F), which
// this package refuses although RFC 6532, Section 3.2 does not (see
// Divergences in the package documentation). No display name may hold one,
// written or decoded.
func isControlRune(r rune) bool {
	return r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0
}
