package submission

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
)

// Causes of [Downgrade]'s refusals, wrapped with the part and the reason.
// [ReplyFor] maps each to 554 5.6.3 "conversion required but not
// supported" (RFC 3463, Section 3.7), a valid reply to the end of data
// (RFC 5321, Section 4.3.2): the message cannot cross a 7-bit hop as it
// is. Unexported: callers tell a refusal from an I/O error by ReplyFor's
// internal result, and refusals apart by nothing a relay acts on.
var (
	// errDowngradeHeader: a header field, of the message or of a MIME
	// part, holds octets above 127. No content transfer encoding applies
	// to a header (RFC 2045, Section 6.1), so Downgrade refuses rather
	// than rewrite it (RFC 6152, Section 3; RFC 6532 needs SMTPUTF8).
	errDowngradeHeader = errors.New("submission: 8-bit header field cannot be converted to 7-bit")
	// errDowngradeEncoding: octets above 127 where no encoding can be
	// applied: in a base64 body or one of an unknown encoding, in the
	// preamble or epilogue of a multipart (RFC 2046, Section 5.1.1), or
	// in an entity whose header cannot be parsed; or, for a part longer
	// than the look-ahead of a plain reader, after the part's header was
	// written.
	errDowngradeEncoding = errors.New("submission: 8-bit content cannot be converted to 7-bit")
	// errDowngradeLimit: a bound of the conversion was exceeded: MIME
	// nesting deeper than 50, a header block over 1 MiB
	// ([header.DefaultMaxSize]), or a quoted-printable line with 8-bit
	// octets longer than 4096 octets.
	errDowngradeLimit = errors.New("submission: message exceeds the bounds of 7-bit conversion")
)

// Bounds of the conversion.
const (
	downgradeMaxDepth  = 50                    // nested entities
	downgradeMaxHeader = header.DefaultMaxSize // octets of one header block
	downgradeLineBuf   = 4096                  // longest line handled whole, as go-message's multipart reader
	downgradeWindow    = 64 << 10              // part octets held in memory before re-reading from a Seeker
	qpMaxLine          = 76                    // RFC 2045, Section 6.7, rule 5
	b64MaxLine         = 76                    // RFC 2045, Section 6.8
)

// Downgrade copies the message read from r to w converted to 7-bit data,
// for a next hop that does not offer 8BITMIME (RFC 6152, Section 3; RFC
// 6409, Section 8.4; RFC 5321, Section 2.4). The message is in SMTP form:
// the header, an empty line, the body, CRLF line endings.
//
// Every leaf MIME part whose body holds octets above 127 and has no
// content transfer encoding (7bit, 8bit, binary or none) is re-encoded:
// quoted-printable for text that is mostly ASCII (text/* or message/global
// with at most one octet in six above 127, so that it grows no more than
// base64 would), base64 otherwise (RFC 2045, Sections 6.7 and 6.8). Its
// Content-Transfer-Encoding field is replaced in place, or added at the end
// of its header. The decoded body is the original octet for octet: CRLF
// becomes a quoted-printable line break, a lone CR or LF is encoded.
//
// Everything else is kept byte for byte: every other header field, the
// multipart structure, boundaries, preambles and epilogues, every part that
// holds no 8-bit octet, and the Content-Transfer-Encoding of multipart and
// message/rfc822 entities (RFC 2045, Section 6.4: on a composite it only
// says what its parts may hold; a conversion would have to read the whole
// composite before writing its header). Multipart bodies are split at
// boundary delimiters of every enclosing multipart, as RFC 2046, Section
// 5.1.1 and Python's email package do; message/rfc822 bodies (RFC 2046,
// Section 5.2.1) are converted as messages of their own.
//
// A message with no octet above 127 is copied unchanged. A 8-bit body
// without MIME (no MIME-Version, no Content-Type) or a converted part
// without a Content-Type is labelled "text/plain; charset=utf-8" when it is
// valid UTF-8, else "text/plain; charset=unknown-8bit" (RFC 1428, Section
// 3: the charset of unlabelled 8-bit text cannot be known, and no other
// label would be honest); a message that gets encoded also gets
// "MIME-Version: 1.0" when it has none (RFC 2045, Section 4). A
// quoted-printable body that holds raw 8-bit octets has them encoded as
// "=XX", which is what lenient decoders (Python's, Go's) already read them
// as.
//
// Downgrade refuses instead of changing what it cannot convert: 8-bit
// octets in a header field, in a base64 body, in a preamble or epilogue,
// and input beyond its bounds (nesting deeper than 50, a header block over
// 1 MiB, a quoted-printable line with 8-bit octets over 4096 octets).
// [ReplyFor] at [StageData] maps such a refusal to 554 5.6.3 "conversion
// required but not supported" (RFC 3463, Section 3.7), the message's
// fault, with internal false; every other error is an I/O error of r or w,
// which ReplyFor makes 451 4.3.0 with internal true. The error's text
// names the part and the reason, for the log. On any error, w holds a
// partial message that must be discarded.
//
// Downgrade reads r from its current offset to its end, in time linear in
// the message size, with memory bounded by the largest header block (1 MiB
// at most) plus 68 KiB. It needs a Seeker because the
// Content-Transfer-Encoding of a part comes before its body: a part longer
// than 64 KiB is read twice, once to decide and once to copy. It is safe
// to call concurrently on different readers.
func Downgrade(w io.Writer, r io.ReadSeeker) error {
	base, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("submission: downgrade: %w", err)
	}
	br := bufio.NewReaderSize(r, downgradeLineBuf)
	is7, err := all7Bit(br)
	if err == nil {
		_, err = r.Seek(base, io.SeekStart)
	}
	if err != nil {
		return fmt.Errorf("submission: downgrade: %w", err)
	}
	if is7 {
		_, err := io.Copy(w, r)
		return err
	}
	br.Reset(r)
	bw := bufio.NewWriter(w)
	d := newDowngrader(bw, r, br, base, downgradeWindow)
	if err := d.run(); err != nil {
		return err
	}
	return bw.Flush()
}

// all7Bit reads br to its end, or to its first octet above 127.
func all7Bit(br *bufio.Reader) (bool, error) {
	for {
		p, err := br.Peek(br.Size())
		if !ascii.IsBytes(p) {
			return false, nil
		}
		if _, derr := br.Discard(len(p)); derr != nil {
			return false, derr
		}
		switch {
		case errors.Is(err, io.EOF):
			return true, nil
		case err != nil && !errors.Is(err, bufio.ErrBufferFull):
			return false, err
		}
	}
}

// entityKind says what an entity is, which decides its default media type
// (RFC 2046, Section 5.1.5) and whether it may get a MIME-Version field.
type entityKind uint8

const (
	kindMessage    entityKind = iota // the message, or one inside message/rfc822
	kindPart                         // a body part: default text/plain
	kindDigestPart                   // a part of multipart/digest: default message/rfc822
)

// term is how an entity's content ended: at a boundary delimiter line of an
// open multipart, or at the end of the input.
type term struct {
	level int    // index in downgrader.stack of the delimiter's boundary; -1 at the end of input
	close bool   // a close delimiter ("--boundary--")
	line  []byte // the delimiter line, with its line ending, not yet written
}

var endOfInput = term{level: -1}

// downgrader walks one message. Lines come from br; off counts the octets
// consumed from it, relative to base, the offset of r where the message
// starts.
type downgrader struct {
	w      *bufio.Writer
	r      io.ReadSeeker
	br     *bufio.Reader
	base   int64
	off    int64
	window int // leaf octets held before falling back to a second read

	atLineStart bool     // the next octet read starts a line
	stack       [][]byte // boundaries of the open multiparts, innermost last
	hdr         []byte   // the current header block
	win         []byte   // the look-ahead of the current leaf
	tline       []byte   // the last delimiter line read
	hrd         bytes.Reader
	hbr         *bufio.Reader // reads hdr for go-message
}

func newDowngrader(w *bufio.Writer, r io.ReadSeeker, br *bufio.Reader, base int64, window int) *downgrader {
	return &downgrader{
		w:           w,
		r:           r,
		br:          br,
		base:        base,
		window:      window,
		atLineStart: true,
		hbr:         bufio.NewReaderSize(nil, 512),
	}
}

func (d *downgrader) run() error {
	t, err := d.entity(0, "", kindMessage)
	if err != nil {
		return err
	}
	if t.level >= 0 { // cannot happen: no multipart is open at the top
		return errors.New("submission: downgrade: unbalanced multipart")
	}
	return nil
}

// line is one slice of the input: a whole line with its ending, or a piece
// of a line longer than the read buffer.
type line struct {
	b     []byte
	start bool // begins a line
	end   bool // ends a line: with LF, or at the end of the input
}

// whole reports whether l is a complete line, the only kind that can be a
// delimiter or end a header.
func (l line) whole() bool { return l.start && l.end }

// next reads the next line, or io.EOF at the end of the input. The slice
// is valid until the next read.
func (d *downgrader) next() (line, error) {
	l := line{start: d.atLineStart}
	b, err := d.br.ReadSlice('\n')
	d.off += int64(len(b))
	l.b = b
	switch {
	case err == nil:
		l.end = true
	case errors.Is(err, bufio.ErrBufferFull):
		err = nil
	case errors.Is(err, io.EOF) && len(b) > 0:
		l.end, err = true, nil // the last line, without an ending
	case errors.Is(err, io.EOF):
		return line{}, io.EOF
	default:
		return line{}, fmt.Errorf("submission: downgrade: %w", err)
	}
	d.atLineStart = l.end
	return l, nil
}

// nextLines is next for a body, where only a line that starts with "-"
// can matter (a delimiter): it returns as many whole lines of the buffer
// as it can at once, none of them but the first starting with "-"; a line
// that starts with "-", or the piece of a line longer than the buffer,
// comes alone, as from next.
func (d *downgrader) nextLines() (line, error) {
	if _, err := d.br.Peek(1); err != nil {
		return d.next() // the end, or an error
	}
	p, _ := d.br.Peek(d.br.Buffered())
	if d.atLineStart && p[0] == '-' {
		return d.next()
	}
	n := bytes.Index(p, []byte("\n-")) + 1
	if n == 0 {
		n = bytes.LastIndexByte(p, '\n') + 1
	}
	if n == 0 {
		return d.next()
	}
	l := line{b: p[:n], start: d.atLineStart, end: true}
	_, _ = d.br.Discard(n) // p stays valid until the next read
	d.off += int64(n)
	d.atLineStart = true
	return l, nil
}

// delimiter reports whether l is a boundary delimiter line of an open
// multipart: "--", the boundary, "--" for the close delimiter, transport
// padding, the line ending (RFC 2046, Section 5.1.1). The innermost match
// wins; its level is -1 when there is none.
func (d *downgrader) delimiter(l line) (level int, isClose bool) {
	b := l.b
	if !l.whole() || len(d.stack) == 0 || len(b) < 3 || b[0] != '-' || b[1] != '-' {
		return -1, false
	}
	for i := len(d.stack) - 1; i >= 0; i-- {
		rest, ok := bytes.CutPrefix(b[2:], d.stack[i])
		if !ok {
			continue
		}
		if onlyPadding(rest) {
			return i, false
		}
		if rest, ok = bytes.CutPrefix(rest, []byte("--")); ok && onlyPadding(rest) {
			return i, true
		}
	}
	return -1, false
}

// onlyPadding reports whether b is linear white space and a line ending.
func onlyPadding(b []byte) bool {
	b = bytes.TrimLeft(b, " \t")
	return len(b) == 0 || string(b) == "\n" || string(b) == "\r\n"
}

// delim makes the term for a delimiter line, keeping a copy of it.
func (d *downgrader) delim(level int, isClose bool, b []byte) term {
	d.tline = append(d.tline[:0], b...)
	return term{level: level, close: isClose, line: d.tline}
}

// readHeader reads an entity's header block into d.hdr, up to and
// including the empty line that ends it. At a delimiter of an open
// multipart or at the end of the input the block ends without that line
// and the entity has no body: ended is then true, with t saying where.
func (d *downgrader) readHeader(part string) (ended bool, t term, err error) {
	d.hdr = d.hdr[:0]
	for {
		l, err := d.next()
		if errors.Is(err, io.EOF) {
			return true, endOfInput, nil
		}
		if err != nil {
			return false, term{}, err
		}
		if lv, cl := d.delimiter(l); lv >= 0 {
			return true, d.delim(lv, cl, l.b), nil
		}
		if len(d.hdr)+len(l.b) > downgradeMaxHeader {
			return false, term{}, fmt.Errorf("%w: %s: header block over %d octets", errDowngradeLimit, where(part), downgradeMaxHeader)
		}
		d.hdr = append(d.hdr, l.b...)
		if l.whole() && (string(l.b) == "\r\n" || string(l.b) == "\n") {
			return false, term{}, nil
		}
	}
}

// where names a part in an error: "message header", "part 1.2".
func where(part string) string {
	if part == "" {
		return "message"
	}
	return "part " + part
}

// entityInfo is what an entity's header says.
type entityInfo struct {
	h          textproto.Header
	parsed     bool   // go-message read the header, and every field can be written back
	media      string // lower case; the default when there is no Content-Type
	boundary   string // of a multipart
	cte        string // Content-Transfer-Encoding, lower case, "" when absent
	hasType    bool
	hasVersion bool
}

// identity reports whether the body has no transfer encoding (RFC 2045,
// Section 6.2).
func (e *entityInfo) identity() bool {
	switch e.cte {
	case "", "7bit", "8bit", "binary":
		return true
	}
	return false
}

// parseHeader reads d.hdr with go-message's header reader and media type
// parser (RFC 2045, Section 5; RFC 2046, Section 5.1.5 for the defaults).
func (d *downgrader) parseHeader(kind entityKind) entityInfo {
	e := entityInfo{media: "text/plain"}
	if kind == kindDigestPart {
		e.media = "message/rfc822"
	}
	d.hrd.Reset(d.hdr)
	d.hbr.Reset(&d.hrd)
	h, err := textproto.ReadHeader(d.hbr)
	// go-message skips a field with an empty name; a header with one
	// cannot be written back from go-message's fields.
	if err != nil || bytes.HasPrefix(d.hdr, []byte(":")) || bytes.Contains(d.hdr, []byte("\n:")) {
		return e
	}
	e.h, e.parsed = h, true
	e.cte = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	e.hasVersion = h.Has("Mime-Version")
	if !h.Has("Content-Type") {
		return e
	}
	e.hasType = true
	mh := message.Header{Header: h}
	t, params, err := mh.ContentType()
	if err != nil {
		// RFC 2045, Section 5.2: an invalid Content-Type means text/plain,
		// but a composite whose boundary cannot be read is left alone.
		t, _, _ = mime.ParseMediaType(h.Get("Content-Type"))
		if t == "" || strings.HasPrefix(t, "multipart/") || strings.HasPrefix(t, "message/") {
			e.parsed = false
			return e
		}
	}
	e.media, e.boundary = t, params["boundary"]
	return e
}

// entity converts one entity: its header block, then its body. depth counts
// the enclosing entities.
func (d *downgrader) entity(depth int, part string, kind entityKind) (term, error) {
	if depth > downgradeMaxDepth {
		return term{}, fmt.Errorf("%w: %s: MIME nesting deeper than %d", errDowngradeLimit, where(part), downgradeMaxDepth)
	}
	ended, t, err := d.readHeader(part)
	if err != nil {
		return term{}, err
	}
	if !ascii.IsBytes(d.hdr) {
		return term{}, fmt.Errorf("%w: %s: octet above 127 in its header", errDowngradeHeader, where(part))
	}
	if ended {
		return t, d.write(d.hdr)
	}
	e := d.parseHeader(kind)
	switch {
	case !e.parsed:
		return d.opaque(part)
	case strings.HasPrefix(e.media, "multipart/") && e.boundary != "":
		// go-message and Python's email read a multipart whatever its
		// Content-Transfer-Encoding says (go-message issue 48).
		return d.multipart(depth, part, e)
	case e.media == "message/rfc822" && e.identity():
		if err := d.write(d.hdr); err != nil {
			return term{}, err
		}
		return d.entity(depth+1, part, kindMessage)
	case strings.HasPrefix(e.media, "multipart/"), strings.HasPrefix(e.media, "message/") && e.media != "message/global":
		// No boundary, or message/partial and message/external-body, which
		// RFC 2046, Sections 5.2.2 and 5.2.3 keep 7-bit.
		return d.opaque(part)
	case e.identity():
		return d.leaf(part, kind, &e)
	case e.cte == "quoted-printable":
		return d.quotedPrintable(part)
	}
	return d.opaque(part)
}

// opaque copies a body that cannot be converted, refusing any 8-bit octet.
func (d *downgrader) opaque(part string) (term, error) {
	if err := d.write(d.hdr); err != nil {
		return term{}, err
	}
	return d.copyLines(false, func(l line) error {
		if !ascii.IsBytes(l.b) {
			return fmt.Errorf("%w: %s: octet above 127 in a body that has a transfer encoding or no readable type", errDowngradeEncoding, where(part))
		}
		return d.write(l.b)
	})
}

// copyLines hands the body up to the entity's end to f: one line at a time
// when byLine, else as nextLines cuts it.
func (d *downgrader) copyLines(byLine bool, f func(line) error) (term, error) {
	for {
		read := d.nextLines
		if byLine {
			read = d.next
		}
		l, err := read()
		if errors.Is(err, io.EOF) {
			return endOfInput, nil
		}
		if err != nil {
			return term{}, err
		}
		if lv, cl := d.delimiter(l); lv >= 0 {
			return d.delim(lv, cl, l.b), nil
		}
		if err := f(l); err != nil {
			return term{}, err
		}
	}
}

// quotedPrintable copies a quoted-printable body, encoding the raw 8-bit
// octets some senders leave in it.
func (d *downgrader) quotedPrintable(part string) (term, error) {
	if err := d.write(d.hdr); err != nil {
		return term{}, err
	}
	return d.copyLines(true, func(l line) error {
		if ascii.IsBytes(l.b) {
			return d.write(l.b)
		}
		if !l.whole() {
			return fmt.Errorf("%w: %s: quoted-printable line with 8-bit octets over %d octets", errDowngradeLimit, where(part), downgradeLineBuf)
		}
		return fixQPLine(d.w, l.b)
	})
}

// multipart copies a multipart entity: header, preamble, each part, close
// delimiter, epilogue (RFC 2046, Section 5.1.1).
func (d *downgrader) multipart(depth int, part string, e entityInfo) (term, error) {
	if err := d.write(d.hdr); err != nil {
		return term{}, err
	}
	d.stack = append(d.stack, []byte(e.boundary))
	own := len(d.stack) - 1
	pop := func(t term, err error) (term, error) {
		d.stack = d.stack[:own]
		return t, err
	}
	kind := kindPart
	if e.media == "multipart/digest" {
		kind = kindDigestPart
	}
	t, err := d.copyLines(false, func(l line) error {
		if !ascii.IsBytes(l.b) {
			return fmt.Errorf("%w: %s: octet above 127 in the preamble", errDowngradeEncoding, where(part))
		}
		return d.write(l.b)
	})
	for n := 1; ; n++ {
		if err != nil || t.level != own {
			return pop(t, err)
		}
		if err := d.write(t.line); err != nil {
			return pop(term{}, err)
		}
		if t.close {
			break
		}
		child := strconv.Itoa(n)
		if part != "" {
			child = part + "." + child
		}
		t, err = d.entity(depth+1, child, kind)
	}
	// The epilogue ends where the enclosing entity does.
	d.stack = d.stack[:own]
	return d.copyLines(false, func(l line) error {
		if !ascii.IsBytes(l.b) {
			return fmt.Errorf("%w: %s: octet above 127 in the epilogue", errDowngradeEncoding, where(part))
		}
		return d.write(l.b)
	})
}

// leafStats describes a leaf body.
type leafStats struct {
	total     int64
	eight     int64 // octets above 127
	checkUTF8 bool  // compute utf8OK: the charset must be guessed
	utf8OK    bool  // every line whole and valid UTF-8
}

func (s *leafStats) add(l line) {
	s.total += int64(len(l.b))
	if ascii.IsBytes(l.b) {
		return
	}
	for _, c := range l.b {
		if c >= utf8.RuneSelf {
			s.eight++
		}
	}
	if s.checkUTF8 && s.utf8OK && (!l.whole() || !utf8.Valid(l.b)) {
		s.utf8OK = false
	}
}

// leaf converts a leaf body without transfer encoding. It reads the body
// to its end before writing the header: the first window octets are kept,
// and a longer body is read again from the Seeker.
func (d *downgrader) leaf(part string, kind entityKind, e *entityInfo) (term, error) {
	start := d.off
	d.win = d.win[:0]
	fits := true
	st := leafStats{checkUTF8: !e.hasType, utf8OK: true}
	eol := 0 // octets of the ending of the last line: the delimiter's CRLF
	prevCR := false
	var t term
	for {
		l, err := d.nextLines()
		if errors.Is(err, io.EOF) {
			t, eol = endOfInput, 0
			break
		}
		if err != nil {
			return term{}, err
		}
		if lv, cl := d.delimiter(l); lv >= 0 {
			t = d.delim(lv, cl, l.b)
			break
		}
		st.add(l)
		switch {
		case bytes.HasSuffix(l.b, []byte("\r\n")), string(l.b) == "\n" && prevCR:
			eol = 2
		case l.end && len(l.b) > 0 && l.b[len(l.b)-1] == '\n':
			eol = 1
		default:
			eol = 0
		}
		prevCR = bytes.HasSuffix(l.b, []byte("\r"))
		if fits {
			fits = d.hold(l.b)
		}
	}
	end := d.off - int64(len(t.line)) // where the delimiter line starts
	if st.eight == 0 {
		if err := d.write(d.hdr); err != nil {
			return term{}, err
		}
		return t, d.body(fits, start, end-start, d.w)
	}

	// RFC 2045, Section 6.7: quoted-printable for mostly ASCII text.
	enc := "base64"
	if (strings.HasPrefix(e.media, "text/") || e.media == "message/global") && st.eight*6 <= st.total {
		enc = "quoted-printable"
	}
	var addType string
	if !e.hasType {
		addType = "text/plain; charset=unknown-8bit"
		if st.utf8OK {
			addType = "text/plain; charset=utf-8"
		}
	}
	if err := d.writeHeader(e, enc, addType, kind == kindMessage && !e.hasVersion); err != nil {
		return term{}, err
	}
	n := end - start - int64(eol)
	if enc == "base64" {
		lw := &b64Lines{w: d.w}
		bw := base64Encoder(lw)
		if err := d.body(fits, start, n, bw); err != nil {
			return term{}, err
		}
		if err := bw.Close(); err != nil {
			return term{}, err
		}
		if t.level < 0 {
			return t, d.write([]byte("\r\n"))
		}
	} else {
		qw := &qpWriter{w: d.w}
		if err := d.body(fits, start, n, qw); err != nil {
			return term{}, err
		}
		qw.Close()
		if t.level < 0 && qw.col > 0 {
			return t, d.write([]byte("=\r\n")) // end the last line with a soft break
		}
	}
	// The line ending before the delimiter belongs to the delimiter.
	return t, d.write([]byte("\r\n")[2-eol:])
}

// hold appends b to the look-ahead, unless it would go over the window;
// the look-ahead grows by doubling but never beyond the window.
func (d *downgrader) hold(b []byte) bool {
	need := len(d.win) + len(b)
	if need > d.window {
		return false
	}
	if need > cap(d.win) {
		grown := make([]byte, len(d.win), min(max(2*cap(d.win), need, 4096), d.window))
		copy(grown, d.win)
		d.win = grown
	}
	d.win = append(d.win, b...)
	return true
}

// body writes n octets of the current leaf's body, which starts at offset
// start: from the look-ahead when it fits, else read again from r. The
// position after the delimiter line is restored.
func (d *downgrader) body(fits bool, start, n int64, w io.Writer) error {
	if fits {
		_, err := w.Write(d.win[:n])
		return err
	}
	resume := d.off
	if err := d.seek(start); err != nil {
		return err
	}
	for n > 0 {
		p, err := d.br.Peek(int(min(n, int64(d.br.Size()))))
		if len(p) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // r changed under us
			}
			return fmt.Errorf("submission: downgrade: %w", err)
		}
		if _, err := w.Write(p); err != nil {
			return err
		}
		_, _ = d.br.Discard(len(p))
		n -= int64(len(p))
	}
	return d.seek(resume)
}

func (d *downgrader) seek(off int64) error {
	if _, err := d.r.Seek(d.base+off, io.SeekStart); err != nil {
		return fmt.Errorf("submission: downgrade: %w", err)
	}
	d.br.Reset(d.r)
	d.off = off
	return nil
}

// writeHeader writes the header block of a converted leaf through
// go-message's fields: each field's own bytes, the first
// Content-Transfer-Encoding replaced in place and the others dropped, then
// the fields to add at the end.
func (d *downgrader) writeHeader(e *entityInfo, enc, addType string, addVersion bool) error {
	cte := "Content-Transfer-Encoding: " + enc + "\r\n"
	replaced := false
	for f := e.h.Fields(); f.Next(); {
		if f.Key() == "Content-Transfer-Encoding" {
			if !replaced {
				replaced = true
				if err := d.write([]byte(cte)); err != nil {
					return err
				}
			}
			continue
		}
		raw, err := f.Raw()
		if err != nil {
			return fmt.Errorf("submission: downgrade: %w", err)
		}
		if err := d.write(raw); err != nil {
			return err
		}
	}
	var add strings.Builder
	if addVersion {
		add.WriteString("MIME-Version: 1.0\r\n")
	}
	if addType != "" {
		add.WriteString("Content-Type: " + addType + "\r\n")
	}
	if !replaced {
		add.WriteString(cte)
	}
	add.WriteString("\r\n")
	_, err := d.w.WriteString(add.String())
	return err
}

func (d *downgrader) write(b []byte) error {
	_, err := d.w.Write(b)
	return err
}
