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
	if len(atom) < 8 || !strings.HasPrefix(atom, "=?") || !strings.HasSuffix(atom, "?=") {
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
		if r < 0x20 && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
			return "", false, errors.New("encoded-word decodes to a control character")
		}
	}
	return out, true, nil
}
