package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
)

// smtpClient is the relay's SMTP client for one transaction with the
// upstream (RFC 5321). It is its own, on net/textproto, because go-smtp's
// client always sends BODY=8BITMIME when the server offers it, cannot send
// BODY=BINARYMIME and has no BDAT (RFC 3030), and gives no way to send a
// command of our own.
type smtpClient struct {
	conn net.Conn
	r    *bufio.Reader     // replies, read by readReply within its bounds
	w    *textproto.Writer // commands and the message
	ext  map[string]string // EHLO keywords, upper case, with their parameters
	tls  bool              // STARTTLS done
	// broken: a reply broke the protocol, so the conversation is out of
	// step and quit only closes.
	broken bool

	stop func() bool // ends the context watch
}

// Bounds of an upstream reply, so that a broken or hostile upstream
// cannot make the relay hold more than maxReplyLines*maxReplyLine octets
// (400 KiB) per message. RFC 5321, Section 4.5.3.1.5 limits a reply line
// to 512 octets with its CRLF, and says to accept longer ones where
// possible: the bound is eight times that. An EHLO response has a line
// per keyword, a refusal a few lines of text; real servers send fewer
// than 30.
const (
	maxReplyLine  = 4096
	maxReplyLines = 100
)

// errBadReply is a reply that breaks RFC 5321, Section 4.2: past the
// bounds above, without a three-digit code, or changing its code between
// lines. The relay cannot tell where the next reply starts, so the
// session ends; the client gets the 451 of a failed connection.
var errBadReply = errors.New("malformed reply")

// Timeouts of the upstream conversation (RFC 5321, Section 4.5.3.2).
const (
	upstreamDialTimeout    = 30 * time.Second
	upstreamCommandTimeout = 5 * time.Minute
	upstreamDataTimeout    = 10 * time.Minute // the reply to the end of data
)

// upstreamReply is a reply of the upstream that was not the one expected,
// or the failure to get one.
type upstreamReply struct {
	stage    string // "connect", "greeting", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "end of data"
	code     int    // 0 when no reply came
	enhanced string // "5.1.1"; "" when the reply had none
	text     string // the reply's text, without code and enhanced code
	err      error  // the I/O or TLS error when code is 0
}

func (e *upstreamReply) Error() string {
	if e.code == 0 {
		return fmt.Sprintf("upstream %s: %v", e.stage, e.err)
	}
	return fmt.Sprintf("upstream %s: %d %s %s", e.stage, e.code, e.enhanced, e.text)
}

func (e *upstreamReply) Unwrap() error { return e.err }

// dialUpstream connects to addr and reads the greeting. The connection
// ends when ctx is done.
func dialUpstream(ctx context.Context, d *net.Dialer, addr string) (*smtpClient, error) {
	dctx, cancel := context.WithTimeout(ctx, upstreamDialTimeout)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, &upstreamReply{stage: "connect", err: err}
	}
	c := newSMTPClient(conn)
	c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	if _, _, err := c.reply("greeting", 220, upstreamCommandTimeout); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// newSMTPClient reads and writes the SMTP conversation over conn.
func newSMTPClient(conn net.Conn) *smtpClient {
	return &smtpClient{conn: conn, r: bufio.NewReaderSize(conn, maxReplyLine), w: textproto.NewWriter(bufio.NewWriter(conn))}
}

func (c *smtpClient) close() {
	c.stop()
	_ = c.conn.Close()
}

// quit ends the session politely; its reply does not matter. After a
// malformed reply it only closes.
func (c *smtpClient) quit() {
	if !c.broken {
		_ = c.conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := c.w.PrintfLine("QUIT"); err == nil {
			_, _, _ = c.readReply()
		}
	}
	c.close()
}

// reply reads one reply and wants the code want: a three-digit code, or
// one digit for a class ("2": any 2yz); 0 takes any code and returns it
// as it is. The text of a multiline reply has its lines joined by "\n".
func (c *smtpClient) reply(stage string, want int, timeout time.Duration) (int, string, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	code, msg, err := c.readReply()
	if err != nil {
		c.broken = c.broken || errors.Is(err, errBadReply)
		return 0, "", &upstreamReply{stage: stage, err: err}
	}
	if 0 < want && want < 10 && code/100 != want || want >= 100 && code != want {
		enh, text := splitEnhanced(code, msg)
		return code, "", &upstreamReply{stage: stage, code: code, enhanced: enh, text: text}
	}
	return code, msg, nil
}

// readReply reads one reply (RFC 5321, Section 4.2: lines "xyz-text" and a
// last line "xyz text" or "xyz") within maxReplyLine octets a line and
// maxReplyLines lines. A line may end in a bare LF, as net/textproto
// allows. It returns the code and the lines' texts joined by "\n".
func (c *smtpClient) readReply() (int, string, error) {
	var text strings.Builder
	code := 0
	for n := 0; ; n++ {
		if n == maxReplyLines {
			return 0, "", fmt.Errorf("%w: more than %d lines", errBadReply, maxReplyLines)
		}
		line, err := c.r.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return 0, "", fmt.Errorf("%w: a line longer than %d octets", errBadReply, maxReplyLine)
		case errors.Is(err, io.EOF) && (len(line) > 0 || n > 0):
			return 0, "", io.ErrUnexpectedEOF
		case err != nil:
			return 0, "", err
		}
		line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
		lc, last, ok := parseReplyLine(line)
		if !ok {
			return 0, "", fmt.Errorf("%w: %q", errBadReply, logText(string(line)))
		}
		if n == 0 {
			code = lc
		} else if lc != code {
			return 0, "", fmt.Errorf("%w: code %d after %d in one reply", errBadReply, lc, code)
		}
		if n > 0 {
			text.WriteByte('\n')
		}
		if len(line) > 4 {
			text.Write(line[4:])
		}
		if last {
			return code, text.String(), nil
		}
	}
}

// parseReplyLine reads the code of a reply line and whether it is the last
// line of its reply: three digits, the first 2 to 5 (RFC 5321, Section
// 4.2), then a space, a hyphen (more lines follow) or nothing.
func parseReplyLine(line []byte) (code int, last, ok bool) {
	if len(line) < 3 || line[0] < '2' || line[0] > '5' || !isDigit(line[1]) || !isDigit(line[2]) {
		return 0, false, false
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	switch {
	case len(line) == 3:
		return code, true, true
	case line[3] == ' ':
		return code, true, true
	case line[3] == '-':
		return code, false, true
	}
	return 0, false, false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// cmd sends a command line and reads its reply, as reply does.
func (c *smtpClient) cmd(stage string, want int, format string, args ...any) (int, string, error) {
	_ = c.conn.SetWriteDeadline(time.Now().Add(upstreamCommandTimeout))
	if err := c.w.PrintfLine(format, args...); err != nil {
		return 0, "", &upstreamReply{stage: stage, err: err}
	}
	return c.reply(stage, want, upstreamCommandTimeout)
}

// splitEnhanced takes the enhanced status code off the start of a reply
// text when it has one of the reply's class (RFC 2034, Section 4; RFC
// 3463, Section 2: class "." 1*3digit "." 1*3digit, the class 2, 4 or 5).
func splitEnhanced(code int, msg string) (enh, text string) {
	first, rest, _ := strings.Cut(msg, " ")
	parts := strings.Split(first, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) || parts[0] != strconv.Itoa(code/100) {
		return "", msg
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 || strings.ContainsFunc(p, func(r rune) bool { return r < '0' || r > '9' }) {
			return "", msg
		}
	}
	// The other lines of a multiline reply repeat the code.
	return first, strings.ReplaceAll(rest, "\n"+first+" ", "\n")
}

// hello sends EHLO, and HELO when EHLO is refused (RFC 5321, Section
// 3.2), and records the keywords.
func (c *smtpClient) hello(name string) error {
	_, msg, err := c.cmd("EHLO", 250, "EHLO %s", name)
	if e, ok := errors.AsType[*upstreamReply](err); ok && e.code >= 500 && e.code <= 504 {
		c.ext = map[string]string{}
		_, _, err = c.cmd("EHLO", 250, "HELO %s", name)
		return err
	}
	if err != nil {
		return err
	}
	c.ext = parseEHLO(msg)
	return nil
}

// parseEHLO reads the keywords of an EHLO response, its lines' texts
// joined by "\n" (RFC 5321, Section 4.1.1.1: the first line greets, each
// other one is ehlo-keyword *(SP ehlo-param)). Keywords are upper case,
// with their parameters as one string; a line whose first word is not
// an ehlo-keyword (ALPHA / DIGIT, then also "-") is left out.
func parseEHLO(msg string) map[string]string {
	ext := map[string]string{}
	_, lines, _ := strings.Cut(msg, "\n")
	for l := range strings.SplitSeq(lines, "\n") {
		k, v, _ := strings.Cut(l, " ")
		if isEHLOKeyword(k) {
			ext[strings.ToUpper(k)] = v
		}
	}
	return ext
}

// isEHLOKeyword reports whether k is an ehlo-keyword (RFC 5321, Section
// 4.1.1.1).
func isEHLOKeyword(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || isDigit(c) || c == '-' && i > 0) {
			return false
		}
	}
	return k != ""
}

// has reports whether the upstream offered keyword.
func (c *smtpClient) has(keyword string) bool {
	_, ok := c.ext[keyword]
	return ok
}

// startTLS runs STARTTLS and EHLO again (RFC 3207, Section 4.2).
func (c *smtpClient) startTLS(ctx context.Context, cfg *tls.Config, name string) error {
	if _, _, err := c.cmd("STARTTLS", 220, "STARTTLS"); err != nil {
		return err
	}
	tc := tls.Client(c.conn, cfg)
	hctx, cancel := context.WithTimeout(ctx, upstreamCommandTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return &upstreamReply{stage: "STARTTLS", err: err}
	}
	over := newSMTPClient(tc)
	c.conn, c.r, c.w, c.tls = tc, over.r, over.w, true
	c.stop()
	c.stop = context.AfterFunc(ctx, func() { _ = tc.SetDeadline(time.Unix(1, 0)) })
	return c.hello(name)
}

// auth authenticates with PLAIN (RFC 4616), or LOGIN when the upstream
// offers only that, as user (RFC 4954).
func (c *smtpClient) auth(user, password string) error {
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	var cl sasl.Client
	switch {
	case slices.Contains(mechs, sasl.Plain):
		cl = sasl.NewPlainClient("", user, password)
	case slices.Contains(mechs, sasl.Login):
		cl = sasl.NewLoginClient(user, password)
	default:
		return &upstreamReply{stage: "AUTH", err: fmt.Errorf("no supported SASL mechanism offered (%q)", c.ext["AUTH"])}
	}
	mech, ir, err := cl.Start()
	if err != nil {
		return &upstreamReply{stage: "AUTH", err: err}
	}
	line := "AUTH " + mech
	if ir != nil {
		line += " " + encodeSASL(ir)
	}
	for {
		code, text, err := c.cmd("AUTH", 0, "%s", line)
		if err != nil {
			return err
		}
		switch {
		case code == 235:
			return nil
		case code != 334:
			enh, t := splitEnhanced(code, text)
			return &upstreamReply{stage: "AUTH", code: code, enhanced: enh, text: t}
		}
		challenge, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return &upstreamReply{stage: "AUTH", err: fmt.Errorf("bad challenge: %w", err)}
		}
		resp, err := cl.Next(challenge)
		if err != nil {
			_, _, _ = c.cmd("AUTH", 0, "*") // cancel the exchange (RFC 4954, Section 4)
			return &upstreamReply{stage: "AUTH", err: err}
		}
		line = encodeSASL(resp)
	}
}

func encodeSASL(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}

// data sends the message with DATA (RFC 5321, Section 4.1.1.4): the
// DotWriter adds the dot-stuffing and the final ".".
func (c *smtpClient) data(body io.Reader) error {
	if _, _, err := c.cmd("DATA", 354, "DATA"); err != nil {
		return err
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(upstreamDataTimeout))
	w := c.w.DotWriter()
	if _, err := io.Copy(w, body); err != nil {
		return &upstreamReply{stage: "end of data", err: err}
	}
	if err := w.Close(); err != nil {
		return &upstreamReply{stage: "end of data", err: err}
	}
	_, _, err := c.reply("end of data", 250, upstreamDataTimeout)
	return err
}

// bdatChunk is the size of the BDAT chunks the relay sends.
const bdatChunk = 64 << 10

// bdat sends the message as BDAT chunks of size octets in all (RFC 3030,
// Section 2), the last one marked LAST; each chunk waits for its reply.
func (c *smtpClient) bdat(body io.Reader, size int64) error {
	buf := make([]byte, bdatChunk)
	for {
		n := int64(len(buf))
		last := size <= n
		if last {
			n = size
		}
		if _, err := io.ReadFull(body, buf[:n]); err != nil {
			return fmt.Errorf("relay: reading the staged message: %w", err)
		}
		_ = c.conn.SetWriteDeadline(time.Now().Add(upstreamDataTimeout))
		suffix := ""
		if last {
			suffix = " LAST"
		}
		if _, err := fmt.Fprintf(c.w.W, "BDAT %d%s\r\n", n, suffix); err != nil {
			return &upstreamReply{stage: "BDAT", err: err}
		}
		if _, err := c.w.W.Write(buf[:n]); err != nil {
			return &upstreamReply{stage: "BDAT", err: err}
		}
		if err := c.w.W.Flush(); err != nil {
			return &upstreamReply{stage: "BDAT", err: err}
		}
		stage, timeout := "BDAT", upstreamCommandTimeout
		if last {
			stage, timeout = "end of data", upstreamDataTimeout
		}
		if _, _, err := c.reply(stage, 250, timeout); err != nil {
			return err
		}
		size -= n
		if last {
			return nil
		}
	}
}
