package gosmtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// readBufSize is the size of the buffer of client octets; it holds the
// longest line the connection accepts, maxLineLen.
const readBufSize = 16 << 10

// dataStartTimeout bounds the wait for go-smtp's BDAT goroutine to enter
// Session.Data (Session.waitData); it normally takes microseconds.
const dataStartTimeout = 5 * time.Second

// farewellTimeout bounds the write of the 421 sent when the connection
// fails.
const farewellTimeout = 5 * time.Second

// phase is what go-smtp reads next from a conn.
type phase uint8

const (
	phaseCommand phase = iota // a command line, or an AUTH response line
	phaseData                 // DATA content, after the 354 reply
	phaseChunk                // the octets of a BDAT chunk
)

// conn is the net.Conn go-smtp serves when it accepts from a
// [Backend.Listener]: the guard between the client and go-smtp. It reads
// the client's octets itself, hands go-smtp one complete command line per
// Read (so go-smtp has answered a line before the next octet is read from
// the client), reads DATA content for the adapter (dotReader), passes BDAT
// chunks through, runs STARTTLS, enforces the timeouts and watches go-smtp's
// replies to know which of these comes next (replyfilter.go). After any
// failure of the client connection it fails every Read and Write.
//
// Read, Write and the adapter's session methods run on go-smtp's
// connection goroutine; Close and the BDAT Data goroutine may not, so what
// they share is under mu.
type conn struct {
	raw    net.Conn // as accepted: a *tls.Conn for implicit TLS
	rw     net.Conn // raw, or the TLS connection STARTTLS started over it
	br     *bufio.Reader
	opts   ListenOptions
	logger *slog.Logger

	// Read side.
	phase     phase
	out       []byte // rest of what go-smtp is being handed
	line      []byte // buffer of the command line in out
	chunk     int64  // octets of the BDAT chunk left
	verb      string // upper-case command of the line go-smtp handles, "" if none
	authResp  bool   // go-smtp waits for an AUTH response line (after 334)
	path      string // the path of the MAIL or RCPT line as sent, "" if none
	readErr   error  // error that came with the last octets read
	handshake bool   // implicit TLS handshake done or failed
	inTLSHS   bool   // a TLS handshake runs: no cleartext reply possible

	// Write side (replyfilter.go).
	wbuf       []byte // reply octets without their LF yet
	wout       []byte // filtered reply octets to write
	replyLines int    // lines of the current reply written so far
	swallow    bool   // drop go-smtp's next reply: the guard already answered
	postmaster bool   // the RCPT line was <Postmaster>, rewritten for go-smtp
	authed     bool   // AUTH succeeded (235)
	closing    bool   // a 421 was written: close after it
	bdatLast   bool   // the BDAT line go-smtp handles has LAST
	bdatSent   bool   // a BDAT line was handed over and not answered yet
	awaitData  bool   // go-smtp accepted a BDAT chunk: let its Data start first
	refusals   int    // 4xx and 5xx replies since the last accepted message
	// The EHLO response go-smtp is writing (replyfilter.go, ehloLine):
	// its greeting text and the keywords it offered, upper case.
	ehloGreet   []byte
	ehloOffered map[string]bool

	mu     sync.Mutex
	body   *dotReader           // DATA content, between 354 and its end
	taken  bool                 // body was handed to the adapter's Data
	tls    *tls.ConnectionState // nil without TLS
	sess   *Session
	err    error // sticky failure, a *connError
	closed bool
}

// errClosing ends the connection after a 421 reply.
var errClosing = errors.New("gosmtp: 421 sent, closing the connection")

// errTooManyErrors ends the connection of a client that collected
// ListenOptions.MaxErrors refusals.
var errTooManyErrors = errors.New("gosmtp: too many errors, 421 sent, closing the connection")

// connError is the error of every Read and Write after the connection
// failed. It matches net.ErrClosed, so go-smtp ends the connection quietly.
type connError struct{ cause error }

func (e *connError) Error() string   { return "gosmtp: client connection failed: " + e.cause.Error() }
func (e *connError) Unwrap() []error { return []error{net.ErrClosed, e.cause} }

func newConn(c net.Conn, o ListenOptions, logger *slog.Logger) *conn {
	g := &conn{raw: c, rw: c, opts: o, logger: logger}
	g.br = bufio.NewReaderSize(clientReader{g}, readBufSize)
	return g
}

// Read hands go-smtp what it reads next: one command line, the rest of a
// BDAT chunk, or the end of DATA once the adapter read the content.
func (g *conn) Read(p []byte) (int, error) {
	if err := g.failure(); err != nil {
		return 0, err
	}
	if err := g.implicitTLS(); err != nil {
		return 0, err
	}
	if len(g.out) == 0 {
		switch g.phase {
		case phaseChunk:
			return g.readChunk(p)
		case phaseData:
			if err := g.endData(); err != nil {
				return 0, err
			}
			g.out = dataEnd
		default:
			line, err := g.nextLine()
			if err != nil {
				return 0, err
			}
			g.out = line
		}
	}
	n := copy(p, g.out)
	g.out = g.out[n:]
	return n, nil
}

// waitData waits until go-smtp's BDAT goroutine entered Session.Data, if
// a transaction waits for it.
func (g *conn) waitData() {
	if s := g.session(); s != nil {
		s.waitData(dataStartTimeout)
	}
}

// dataEnd is what go-smtp's DATA reader gets once the adapter has read the
// content: the end of data on its own.
var dataEnd = []byte(".\r\n")

// readChunk hands over octets of the current BDAT chunk as they are.
func (g *conn) readChunk(p []byte) (int, error) {
	if g.bdatSent {
		// go-smtp reads a chunk before answering only when it passes the
		// chunk to Data, which it runs on a goroutine of its own (conn.go,
		// handleBdat); let that goroutine fetch the session before
		// anything can close the connection (Session.waitData).
		g.bdatSent = false
		g.waitData()
	}
	if int64(len(p)) > g.chunk {
		p = p[:g.chunk]
	}
	n, err := g.br.Read(p)
	g.chunk -= int64(n)
	if g.chunk == 0 {
		g.phase = phaseCommand
	}
	return n, err
}

// endData reads DATA content the adapter left unread up to the end of
// data, so the session stays in step with the client.
func (g *conn) endData() error {
	g.mu.Lock()
	d := g.body
	g.body, g.taken = nil, false
	g.mu.Unlock()
	g.phase = phaseCommand
	if d == nil {
		return nil
	}
	var scratch [4096]byte
	for !d.done() {
		if _, err := d.Read(scratch[:]); err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// startData is called when go-smtp accepted DATA (354): the content
// follows.
func (g *conn) startData() {
	g.phase = phaseData
	g.mu.Lock()
	g.body, g.taken = &dotReader{r: g.br}, false
	g.mu.Unlock()
}

// takeBody returns the DATA content reader once, while go-smtp is inside
// Session.Data for DATA; nil otherwise (BDAT).
func (g *conn) takeBody() io.Reader {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.body == nil || g.taken {
		return nil
	}
	g.taken = true
	return g.body
}

// takePath returns the path of the MAIL or RCPT line go-smtp handles, as
// the client sent it (quotes kept), once.
func (g *conn) takePath() string {
	p := g.path
	g.path = ""
	return p
}

// greeting returns "EHLO" or "HELO" while go-smtp handles that command,
// "" otherwise.
func (g *conn) greeting() string {
	if g.verb == "EHLO" || g.verb == "HELO" {
		return g.verb
	}
	return ""
}

// Write passes go-smtp's replies to the client through the reply filter.
func (g *conn) Write(p []byte) (int, error) {
	if err := g.failure(); err != nil {
		return 0, err
	}
	if err := g.implicitTLS(); err != nil {
		return 0, err
	}
	out := g.filterReplies(p)
	if len(out) > 0 {
		if err := g.send(out); err != nil {
			return 0, err
		}
	}
	if g.closing {
		return 0, g.fail(errClosing)
	}
	return len(p), nil
}

// send writes reply octets to the client.
func (g *conn) send(b []byte) error {
	_ = g.rw.SetWriteDeadline(time.Now().Add(g.opts.CommandTimeout))
	if _, err := g.rw.Write(b); err != nil {
		return g.fail(err)
	}
	return nil
}

// reply writes a reply of the guard's own (RFC 5321, Section 4.2; RFC
// 2034 enhanced code).
func (g *conn) reply(code, enhanced, text string) error {
	g.counted(code, enhanced)
	return g.send([]byte(code + " " + enhanced + " " + text + "\r\n"))
}

// counted counts a final reply toward ListenOptions.MaxErrors: a refusal
// adds one, an accepted message starts again from zero. A 4xx with X.3.x
// or X.4.x (mail system or network status, RFC 3463, Sections 3.4 and
// 3.5: a store or an upstream that is down) is the server's outage, not
// the client's error, and does not count.
func (g *conn) counted(code, enhanced string) {
	switch {
	case code[0] == '4' && (strings.HasPrefix(enhanced, "4.3.") || strings.HasPrefix(enhanced, "4.4.")):
	case code[0] == '4' || code[0] == '5':
		g.refusals++
	case code == "250" && (g.verb == "DATA" || g.verb == "BDAT" && g.bdatLast):
		g.refusals = 0
	}
}

// Close closes the client connection. Later reads and writes fail.
func (g *conn) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	if g.err == nil {
		g.err = &connError{net.ErrClosed}
	}
	g.mu.Unlock()
	return g.raw.Close()
}

// LocalAddr returns the local address of the client connection.
func (g *conn) LocalAddr() net.Addr { return g.raw.LocalAddr() }

// RemoteAddr returns the client's address.
func (g *conn) RemoteAddr() net.Addr { return g.raw.RemoteAddr() }

// SetDeadline does nothing: the connection keeps its own timeouts
// (ListenOptions), which go-smtp's ReadTimeout and WriteTimeout would
// otherwise override with one deadline per command.
func (g *conn) SetDeadline(time.Time) error { return nil }

// SetReadDeadline does nothing; see SetDeadline.
func (g *conn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline does nothing; see SetDeadline.
func (g *conn) SetWriteDeadline(time.Time) error { return nil }

// failure returns the sticky error, nil while the connection works.
func (g *conn) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// fail records that the client connection failed with cause, tells the
// client why when the cause is a timeout (421 4.4.2, RFC 5321, Section
// 4.2.2 and 4.5.3.2; RFC 3463, Section 3.5), closes the connection and
// returns the sticky error. Nothing the client sends afterwards is read.
func (g *conn) fail(cause error) error {
	g.mu.Lock()
	if g.err != nil {
		err := g.err
		g.mu.Unlock()
		return err
	}
	g.err = &connError{cause}
	err := g.err
	g.mu.Unlock()
	if ne, ok := errors.AsType[net.Error](cause); ok && ne.Timeout() && g.handshake && !g.inTLSHS {
		_ = g.rw.SetWriteDeadline(time.Now().Add(farewellTimeout))
		_, _ = g.rw.Write([]byte("421 4.4.2 Timeout waiting for the client, closing connection\r\n"))
	}
	_ = g.raw.Close()
	g.logger.LogAttrs(context.Background(), slog.LevelDebug, "client connection ended",
		slog.String("remote", g.raw.RemoteAddr().String()), slog.Any("err", cause))
	return err
}

// implicitTLS runs the handshake of an implicit TLS connection (RFC 8314)
// before the first octet is written or read, within CommandTimeout.
func (g *conn) implicitTLS() error {
	if g.handshake {
		return nil
	}
	tc, ok := g.raw.(*tls.Conn)
	if !ok {
		g.handshake = true
		return nil
	}
	_ = tc.SetDeadline(time.Now().Add(g.opts.CommandTimeout))
	g.handshake, g.inTLSHS = true, true
	if err := tc.HandshakeContext(context.Background()); err != nil {
		return g.fail(err) // with inTLSHS still set: no cleartext 421
	}
	g.inTLSHS = false
	cs := tc.ConnectionState()
	g.mu.Lock()
	g.tls = &cs
	g.mu.Unlock()
	return nil
}

// tlsState returns the TLS state of the connection, nil without TLS.
func (g *conn) tlsState() *tls.ConnectionState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.tls
}

// setSession links the adapter's session, which STARTTLS must reset.
func (g *conn) setSession(s *Session) {
	g.mu.Lock()
	g.sess = s
	g.mu.Unlock()
}

func (g *conn) session() *Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sess
}

// clientReader reads the client's octets for conn.br. In DATA and BDAT
// every read gets its own deadline, so the timeout applies per data block
// (RFC 5321, Section 4.5.3.2.5); a command line has one deadline, set when
// the server is ready for it (nextLine). Its errors are conn.fail's.
type clientReader struct{ g *conn }

func (r clientReader) Read(p []byte) (int, error) {
	g := r.g
	if g.readErr != nil {
		err := g.readErr
		g.readErr = nil
		return 0, g.fail(err)
	}
	if g.phase != phaseCommand {
		_ = g.rw.SetReadDeadline(time.Now().Add(g.opts.DataTimeout))
	}
	n, err := g.rw.Read(p)
	if err != nil {
		if n > 0 {
			g.readErr = err // the octets first
			return n, nil
		}
		return 0, g.fail(err)
	}
	return n, nil
}
