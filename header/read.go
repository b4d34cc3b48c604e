package header

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Default bounds of [Read]; the line length defaults to [MaxLineLen].
const (
	// DefaultMaxSize is the default bound on the header block, separator
	// line included: 1 MiB, as go-message's ReadOptions (RFC 5322,
	// Section 2.1 sets none).
	DefaultMaxSize = 1 << 20
	// DefaultMaxFields is the default bound on the number of fields
	// (RFC 5322, Section 3.6 sets none).
	DefaultMaxFields = 1000
)

// ReadOptions bounds [Read]. A zero field means its default
// (DefaultMaxSize, DefaultMaxFields, MaxLineLen); a negative field
// means no bound, which only a caller that bounds its input otherwise
// should choose. The zero value is the RFC 5322 profile.
type ReadOptions struct {
	// MaxSize bounds the header block in octets, separator line included.
	MaxSize int
	// MaxFields bounds the number of fields.
	MaxFields int
	// MaxLineLen bounds each line in octets, CRLF excluded (RFC 5322,
	// Section 2.1.1).
	MaxLineLen int
}

// prependRoom is the least spare capacity Read leaves in the field list.
const prependRoom = 4

func bound(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return int(^uint(0)>>1) / 4 // no bound, yet room for arithmetic
	}
	return v
}

// Read reads the header block of a message (RFC 5322, Section 2.1) from br,
// up to and including the empty line that separates it from the body, and
// leaves the body unread in br. The input must use CRLF line endings, as
// SMTP DATA delivers them after dot-unstuffing (RFC 5321, Section 4.1.4).
//
// Read checks the raw bytes before anything else looks at them, line by
// line, and fails with a [*SyntaxError] wrapping:
//   - [ErrBareLF] or [ErrBareCR] for a LF without CR or a CR without LF
//     (RFC 5321, Section 2.3.8);
//   - [ErrNUL] for a NUL octet;
//   - [ErrLineTooLong] for a line over opts.MaxLineLen octets (998 by default);
//   - [ErrTooBig] when the block exceeds opts.MaxSize or opts.MaxFields;
//   - [ErrSyntax] for a line that is neither a field (field-name, optional
//     obsolete white space, colon; RFC 5322, Sections 2.2, 3.6.8 and 4.5)
//     nor a continuation line (starting with SP or HTAB) of a field, such as
//     a body that starts without the empty separator line.
//
// Octets above 127 are kept as they are; whether they are acceptable
// (RFC 6532 with SMTPUTF8) is for the caller to decide, see [Field.IsASCII]
// and [Header.IsASCII]. An I/O error from br is returned wrapped.
//
// When the input ends before an empty line, the message has no body: the
// last field may even lack its line ending. Read then succeeds, the header
// reports HasSeparator() == false, and [Header.WriteTo] writes no separator,
// so that the output still equals the input.
//
// Read runs in time linear in the header size and allocates O(header) memory.
func Read(br *bufio.Reader, opts ReadOptions) (*Header, error) {
	maxSize := bound(opts.MaxSize, DefaultMaxSize)
	maxFields := bound(opts.MaxFields, DefaultMaxFields)
	maxLine := bound(opts.MaxLineLen, MaxLineLen)

	var block []byte // allocated once the first line shows how big to make it
	spans := make([]span, 0, 32)
	lineNo := 0
	sep := false
	for {
		lineNo++
		lineStart := len(block)
		eof := false
		for {
			frag, err := br.ReadSlice('\n')
			if block == nil {
				block = make([]byte, 0, blockSize(frag, br, maxSize))
			}
			if len(frag) > maxSize-len(block) {
				return nil, &SyntaxError{Line: lineNo, Offset: len(block), Kind: ErrTooBig,
					Msg: "header block longer than " + strconv.Itoa(maxSize) + " octets"}
			}
			block = append(block, frag...)
			if n := len(block) - lineStart; n > maxLine+2 || (n == maxLine+2 && block[len(block)-1] != '\n') {
				return nil, &SyntaxError{Line: lineNo, Offset: lineStart, Kind: ErrLineTooLong,
					Msg: "line longer than " + strconv.Itoa(maxLine) + " octets"}
			}
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF { //nolint:errorlint // bufio returns io.EOF unwrapped
				eof = true
				break
			}
			return nil, fmt.Errorf("header: read: %w", err)
		}
		line := block[lineStart:]
		if len(line) == 0 { // end of input at the start of a line
			break
		}
		content := line
		if line[len(line)-1] == '\n' {
			if len(line) < 2 || line[len(line)-2] != '\r' {
				return nil, &SyntaxError{Line: lineNo, Offset: len(block) - 1, Kind: ErrBareLF,
					Msg: "bare LF (line ending without CR)"}
			}
			content = line[:len(line)-2]
		}
		if i := bytes.IndexByte(content, '\r'); i >= 0 {
			return nil, &SyntaxError{Line: lineNo, Offset: lineStart + i, Kind: ErrBareCR,
				Msg: "bare CR (CR not followed by LF)"}
		}
		if i := bytes.IndexByte(content, 0); i >= 0 {
			return nil, &SyntaxError{Line: lineNo, Offset: lineStart + i, Kind: ErrNUL,
				Msg: "NUL octet"}
		}
		if len(content) > maxLine {
			return nil, &SyntaxError{Line: lineNo, Offset: lineStart, Kind: ErrLineTooLong,
				Msg: "line longer than " + strconv.Itoa(maxLine) + " octets"}
		}
		switch {
		case len(content) == 0: // the empty line: end of the header block
			sep = true
		case content[0] == ' ' || content[0] == '\t': // RFC 5322 §2.2.3 folding
			if len(spans) == 0 {
				return nil, &SyntaxError{Line: lineNo, Offset: lineStart, Kind: ErrSyntax,
					Msg: "continuation line before the first field"}
			}
		default:
			n := 0
			for n < len(content) && isFtext(content[n]) {
				n++
			}
			c := n
			for c < len(content) && (content[c] == ' ' || content[c] == '\t') {
				c++ // obsolete WSP before the colon, RFC 5322 §4.5
			}
			if n == 0 || c >= len(content) || content[c] != ':' {
				return nil, &SyntaxError{Line: lineNo, Offset: lineStart + c, Kind: ErrSyntax,
					Msg: "line is not a header field (field name and colon expected)"}
			}
			if len(spans) >= maxFields {
				return nil, &SyntaxError{Line: lineNo, Offset: lineStart, Kind: ErrTooBig,
					Msg: "more than " + strconv.Itoa(maxFields) + " header fields"}
			}
			spans = append(spans, span{start: lineStart, nameLen: n, colon: c})
		}
		if sep || eof {
			break
		}
	}

	// Room for the few fields a submission prepends (Received, and
	// Date, Message-ID or Sender when missing), so that PrependField
	// does not copy the whole field list to a new array.
	h := newHeader(len(spans))
	h.block = block
	end := len(block)
	if sep {
		end -= 2
		h.sep = block[end:]
	}
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		h.fields[i] = Field{raw: block[s.start:end:end], nameLen: int32(s.nameLen), colon: int32(s.colon)}
		end = s.start
	}
	return h, nil
}

type span struct{ start, nameLen, colon int }

// newHeader returns a Header of n zero fields with room for prependRoom
// more. For up to 28 fields, the usual submission header, the Header and
// its field list are one allocation, of 16 or 32 fields' room.
func newHeader(n int) *Header {
	switch c := n + prependRoom; {
	case c <= 16:
		a := new(struct {
			h Header
			f [16]Field
		})
		a.h.fields = a.f[:n]
		return &a.h
	case c <= 32:
		a := new(struct {
			h Header
			f [32]Field
		})
		a.h.fields = a.f[:n]
		return &a.h
	}
	return &Header{fields: make([]Field, n, n+prependRoom)}
}

// blockSize guesses the size of the header block from its first line and
// what br holds after it, without reading: the exact size when the empty
// line that ends the block is already buffered (the usual case, since a
// client sends header and body together), else what is buffered and room
// for more. It is only a capacity: a wrong guess costs a copy, never a
// wrong result. At most maxSize.
func blockSize(first []byte, br *bufio.Reader, maxSize int) int {
	if len(first) == 2 && first[0] == '\r' && first[1] == '\n' {
		return 2 // no fields: the body follows at once
	}
	rest, _ := br.Peek(br.Buffered()) // never reads: n <= Buffered()
	n := len(first) + len(rest) + 512
	switch {
	case len(first) == 0 || first[len(first)-1] != '\n':
		// A first line longer than the buffer: more is to come.
	case len(rest) >= 2 && rest[0] == '\r' && rest[1] == '\n':
		n = len(first) + 2
	default:
		if i := bytes.Index(rest, []byte("\n\r\n")); i >= 0 {
			n = len(first) + i + 3
		}
	}
	return min(n, maxSize)
}
