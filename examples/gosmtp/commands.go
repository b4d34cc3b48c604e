package gosmtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/msakit/msakit/internal/ascii"
)

// maxLineLen is the longest command or AUTH response line accepted, CRLF
// included. RFC 4954, Section 4 calls 12288 octets sufficient for the AUTH
// exchange; other command lines (RFC 5321, Section 4.5.3.1.4: 512) get the
// same room.
const maxLineLen = 12288

// postmasterStandIn is the path go-smtp gets for RCPT TO:<Postmaster>: its
// parser refuses a path without '@' (parse.go, parseMailbox). The adapter
// hands msakit the path as sent; the stand-in only passes go-smtp's parser.
const (
	postmasterDomain  = "@postmaster.invalid"
	postmasterStandIn = "<Postmaster" + postmasterDomain + ">"
)

// cancelLine ends an AUTH exchange in go-smtp (RFC 4954, Section 4) when
// the guard has refused the client's response itself.
var cancelLine = []byte("*\r\n")

// errBDATSyntax closes a connection whose BDAT chunk size cannot be known.
var errBDATSyntax = errors.New("gosmtp: BDAT without a readable chunk size")

// nextLine reads client lines until one is for go-smtp and returns it.
// The lines the guard answers itself (STARTTLS, too long, undecodable
// AUTH data, malformed BDAT) are handled here. Each line must arrive within
// CommandTimeout from the moment the server is ready for it (RFC 5321,
// Section 4.5.3.2.7), however slowly its octets trickle in.
func (g *conn) nextLine() ([]byte, error) {
	if g.awaitData {
		g.awaitData = false
		g.waitData()
	}
	for {
		_ = g.rw.SetReadDeadline(time.Now().Add(g.opts.CommandTimeout))
		line, tooLong, err := g.readLine()
		if err != nil {
			return nil, err
		}
		if g.authResp {
			g.authResp = false
			return g.authResponse(line, tooLong), nil
		}
		g.verb, g.path, g.postmaster = "", "", false
		text := string(line) // one copy for both looks at the line
		if v, _ := parseCommand(text); g.opts.MaxErrors > 0 && g.refusals >= g.opts.MaxErrors && v != "QUIT" {
			_ = g.send([]byte(tooManyErrors))
			g.logger.LogAttrs(context.Background(), slog.LevelInfo, "too many errors, closing the connection",
				slog.String("remote", g.raw.RemoteAddr().String()), slog.Int("refusals", g.refusals))
			return nil, g.fail(errTooManyErrors)
		}
		if tooLong {
			// RFC 5321, Section 4.5.3.1.10; the line was read to its end,
			// so the session stays in step.
			if err := g.reply("500", "5.5.2", "Line too long"); err != nil {
				return nil, err
			}
			continue
		}
		out, err := g.command(line, text)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
}

// readLine reads one line through its LF (go-smtp, through net/textproto,
// ends lines at LF too). A line longer than maxLineLen is read to its end
// and reported as tooLong, without its octets.
func (g *conn) readLine() (line []byte, tooLong bool, err error) {
	for {
		frag, err := g.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			tooLong = true
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if tooLong || len(frag) > maxLineLen {
			return nil, true, nil
		}
		g.line = append(g.line[:0], frag...)
		return g.line, false, nil
	}
}

// parseCommand splits a command line as go-smtp's parseCmd (parse.go)
// does, so that the guard and go-smtp agree on which command a line is:
// the verb in upper case, "" when go-smtp refuses the line's syntax.
func parseCommand(text string) (verb, arg string) {
	text = strings.TrimRight(text, "\r\n")
	switch {
	case ascii.HasPrefixFold(text, "STARTTLS") || !ascii.Is(text) && strings.HasPrefix(strings.ToUpper(text), "STARTTLS"):
		// ToUpper only for a line that is not ASCII, where it may map
		// other letters to these; every MAIL line would cost a copy.
		return "STARTTLS", ""
	case len(text) == 4:
		return strings.ToUpper(text), ""
	case len(text) < 6 || text[4] != ' ':
		return "", ""
	}
	return strings.ToUpper(text[:4]), strings.TrimSpace(text[5:])
}

// command looks at a command line before go-smtp gets it and returns what
// go-smtp gets: the line, a rewritten line, or nil when the guard answered
// it itself. text is the line as a string.
func (g *conn) command(line []byte, text string) ([]byte, error) {
	verb, arg := parseCommand(text)
	g.verb = verb
	switch verb {
	case "STARTTLS":
		return nil, g.startTLS(strings.TrimRight(text, "\r\n"))
	case "AUTH":
		// go-smtp answers an undecodable initial response with 454 4.7.0
		// (conn.go, handleAuth); RFC 4954, Section 4 says 501 5.5.2.
		if f := strings.Fields(arg); len(f) > 1 && !validSASLResponse(f[1]) {
			return nil, g.reply("501", "5.5.2", "Cannot Base64-decode the initial response (RFC 4954, Section 4)")
		}
	case "BDAT":
		return g.bdat(arg)
	case "MAIL":
		var rest string
		g.path, rest = mailRcptPath(arg, "FROM:")
		if sizeTooBig(rest) {
			// go-smtp reads SIZE into 32 bits and answers a larger one
			// with 501 (conn.go, handleMail); it is a size no message can
			// have here: 552 5.3.4 (RFC 1870, Section 6.1).
			return nil, g.reply("552", "5.3.4", "Message size exceeds fixed maximum message size")
		}
	case "RCPT":
		var rest string
		g.path, rest = mailRcptPath(arg, "TO:")
		if strings.EqualFold(g.path, "<Postmaster>") {
			// RFC 5321, Section 4.1.1.3: the unqualified form MUST be
			// accepted; go-smtp's parser refuses it, so go-smtp gets a
			// stand-in and msakit the path as sent.
			g.postmaster = true
			return []byte("RCPT TO:" + postmasterStandIn + rest + "\r\n"), nil
		}
	}
	return line, nil
}

// authResponse checks a line of the AUTH exchange (RFC 4954, Section 4)
// before go-smtp gets it: "*" (cancel), "=" (empty) or BASE64. A line
// that is too long (500 5.5.6) or not BASE64 (501 5.5.2) is answered here,
// and go-smtp gets "*" to end the exchange; its own reply to that is
// dropped. go-smtp never calls the SASL server again after a "*" (conn.go,
// handleAuth) and has no hook to say so, so the guard tells msakit that
// the exchange ended without a verdict: its charge to the AUTH throttle is
// given back at once (submission.Session.NewSASLServer).
func (g *conn) authResponse(line []byte, tooLong bool) []byte {
	text := strings.TrimRight(string(line), "\r\n")
	if tooLong || !validSASLResponse(text) { // "*" included
		if s := g.session(); s != nil {
			s.authCancelled()
		}
	}
	var err error
	switch {
	case tooLong:
		err = g.reply("500", "5.5.6", "Authentication exchange line is too long (RFC 4954, Section 4)")
	case text == "*" || validSASLResponse(text):
		return line
	default:
		err = g.reply("501", "5.5.2", "Cannot Base64-decode the response (RFC 4954, Section 4)")
	}
	_ = err // a failed write fails the connection; go-smtp's next read says so
	g.swallow = true
	return cancelLine
}

// validSASLResponse reports whether s is a client response RFC 4954,
// Section 4 allows: "=" for an empty one, or BASE64 with nothing outside
// the alphabet and padding only at the end.
func validSASLResponse(s string) bool {
	if s == "=" {
		return true
	}
	if strings.ContainsAny(s, "\r\n") {
		return false // base64 would skip them; RFC 4954 refuses them
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

// bdat checks a BDAT line (RFC 3030, Section 2: "BDAT" SP chunk-size
// [SP "LAST"]) and hands go-smtp a canonical one, so that both read the
// same chunk size; the guard then hands over exactly that many octets.
// When the size cannot be read, the guard cannot know where the chunk
// ends: it replies 501 5.5.4 and closes the connection rather than read
// chunk octets as commands. A chunk larger than go-smtp can count
// (4 GiB, conn.go handleBdat) gets 552 5.3.4 (RFC 1870), then the same.
func (g *conn) bdat(arg string) ([]byte, error) {
	f := strings.Fields(arg)
	if len(f) == 0 || len(f) > 2 || (len(f) == 2 && !strings.EqualFold(f[1], "LAST")) || !isDigits(f[0]) {
		_ = g.reply("501", "5.5.4", "Syntax: BDAT chunk-size [LAST] (RFC 3030, Section 2), closing connection")
		return nil, g.fail(errBDATSyntax)
	}
	size, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil || size > math.MaxUint32 {
		_ = g.reply("552", "5.3.4", "Chunk too big for this server, closing connection")
		return nil, g.fail(errBDATSyntax)
	}
	line := "BDAT " + strconv.FormatUint(size, 10)
	g.bdatLast, g.bdatSent = len(f) == 2, true
	if g.bdatLast {
		line += " LAST"
	}
	if size > 0 {
		g.phase, g.chunk = phaseChunk, int64(size)
	}
	return []byte(line + "\r\n"), nil
}

// sizeTooBig reports whether MAIL parameters declare a SIZE= (RFC 1870)
// of 4 GiB or more, as go-smtp's parseArgs would read them.
func sizeTooBig(params string) bool {
	for p := range strings.FieldsSeq(params) {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "SIZE") && isDigits(v) {
			n, err := strconv.ParseUint(v, 10, 64)
			return err != nil || n > math.MaxUint32
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// mailRcptPath returns the path of a MAIL or RCPT argument as the client
// sent it, quotes and angle brackets kept, and what follows it; "" when
// the argument does not start with prefix ("FROM:", "TO:") as go-smtp
// reads it (cutPrefixFold, parse.go) or the path does not end. go-smtp
// hands the session a local part without its quotes; msakit gets this.
func mailRcptPath(arg, prefix string) (path, rest string) {
	if len(arg) < len(prefix) || !strings.EqualFold(arg[:len(prefix)], prefix) {
		return "", ""
	}
	s := strings.TrimSpace(arg[len(prefix):])
	n := pathLen(s)
	return s[:n], s[n:]
}

// pathLen returns the length of the path at the start of s: from '<' to
// the '>' that closes it, past a source route and a quoted local part
// (RFC 5321, Section 4.1.2), or, without '<', up to the first space or
// tab. It returns 0 when a '<' is not closed.
func pathLen(s string) int {
	if !strings.HasPrefix(s, "<") {
		if i := strings.IndexAny(s, " \t"); i >= 0 {
			return i
		}
		return len(s)
	}
	i := 1
	if strings.HasPrefix(s[i:], "@") { // A-d-l ":" (Appendix C)
		j := strings.IndexByte(s[i:], ':')
		if j < 0 {
			return 0
		}
		i += j + 1
	}
	if strings.HasPrefix(s[i:], `"`) {
		for i++; i < len(s) && s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
			}
		}
		if i >= len(s) {
			return 0
		}
	}
	j := strings.IndexByte(s[i:], '>')
	if j < 0 {
		return 0
	}
	return i + j + 1
}

// startTLS runs STARTTLS (RFC 3207) for the client; go-smtp never sees it.
// text is the command line without its CRLF.
func (g *conn) startTLS(text string) error {
	s := g.session()
	switch {
	case strings.ToUpper(strings.TrimRight(text, " \t")) != "STARTTLS":
		return g.reply("501", "5.5.4", "Syntax: STARTTLS takes no parameters (RFC 3207, Section 4)")
	case g.tlsState() != nil:
		return g.reply("503", "5.5.1", "TLS already active (RFC 3207, Section 4.2)")
	case g.opts.STARTTLS == nil:
		return g.reply("502", "5.5.1", "STARTTLS not offered")
	case g.authed || (s != nil && s.busy()):
		return g.reply("503", "5.5.1", "STARTTLS only before AUTH and outside a mail transaction")
	}
	if err := g.reply("220", "2.0.0", "Ready to start TLS"); err != nil {
		return err
	}
	// Octets sent after STARTTLS in cleartext must not be read as commands
	// under TLS (RFC 3207, Section 4.2; the STARTTLS command injection).
	g.br.Reset(clientReader{g})
	tc := tls.Server(g.raw, g.opts.STARTTLS)
	_ = tc.SetDeadline(time.Now().Add(g.opts.CommandTimeout))
	g.inTLSHS = true
	if err := tc.HandshakeContext(context.Background()); err != nil {
		return g.fail(err) // with inTLSHS still set: no cleartext 421
	}
	g.inTLSHS = false
	cs := tc.ConnectionState()
	g.mu.Lock()
	g.rw, g.tls = tc, &cs
	g.mu.Unlock()
	if s != nil {
		s.tlsStarted(&cs)
	}
	return nil
}
