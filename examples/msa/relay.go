package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// relay forwards each accepted message to an upstream MTA (RFC 6409,
// Section 1: the MSA hands the message to an MTA), synchronously: the
// message is staged in a temporary file, so a body msakit refuses half-way
// never reaches the upstream, and the client gets 250 only after the
// upstream answered 250 to the end of data. Every other outcome is a reply
// valid at the end of data (RFC 5321, Section 4.3.2), see upstreamRefusal.
//
// What the relay makes sure of, before it sends anything:
//   - an 8-bit message goes to an upstream without 8BITMIME only after
//     [submission.Downgrade] converted it to 7-bit (RFC 6152, Section 3;
//     RFC 6409, Section 8.4); what cannot be converted is refused, 554 5.6.3;
//     a signed one is signed again after the conversion (RFC 6376, Section
//     5.3; see resign), its first signature dropped;
//   - a BODY=BINARYMIME message goes only with BDAT to an upstream offering
//     CHUNKING and BINARYMIME (RFC 3030), else 554 5.6.1;
//   - an SMTPUTF8 message (RFC 6531) goes with SMTPUTF8 when the upstream
//     offers it; else it is refused, 550 5.6.7 for a non-ASCII address and
//     554 5.6.9 for a UTF-8 header (RFC 6531, Section 3.5), and one that is
//     all ASCII after all goes without the parameter;
//   - TLS (RFC 3207) as -relay-tls says, and AUTH (RFC 4954) with the
//     configured credentials, which are never sent without TLS except to a
//     loopback upstream;
//   - the DSN parameters (RFC 3461) travel when the upstream offers DSN,
//     and SIZE (RFC 1870) is declared when it offers SIZE.
type relay struct {
	addr     string // host:port
	hostname string // our EHLO name
	dir      string // where to stage messages
	logger   *slog.Logger
	dialer   net.Dialer
	tlsMode  relayTLS
	tls      *tls.Config // for STARTTLS; verifies unless tlsMode is opportunistic
	user     string      // AUTH to the upstream when not ""
	password string
	// signer is the agent's (submission.Config.Signer), nil without
	// dkim-key: it signs again a signed message converted to 7-bit.
	signer submission.Signer
	// observe, when set, is told how long each upstream transaction took
	// and its outcome (the reply the client gets), for metrics.
	observe func(time.Duration, error)
}

var _ gosmtp.Deliverer = (*relay)(nil)

// relayTLS says whether the relay uses STARTTLS with its upstream.
type relayTLS string

const (
	// relayTLSRequired: STARTTLS with a verified certificate, else no
	// delivery (451 4.7.4 or 4.7.5).
	relayTLSRequired relayTLS = "required"
	// relayTLSOpportunistic: STARTTLS when offered, the certificate not
	// verified (RFC 7435); plain text when it is not offered. A failed
	// handshake is a failure (451 4.7.5), not a fall-back to plain text.
	relayTLSOpportunistic relayTLS = "opportunistic"
	// relayTLSNone: never STARTTLS.
	relayTLSNone relayTLS = "none"
)

// parseRelayTLS parses -relay-tls; "" is the default for the upstream:
// required, or opportunistic on loopback.
func parseRelayTLS(s, addr string) (relayTLS, error) {
	switch m := relayTLS(s); m {
	case relayTLSRequired, relayTLSOpportunistic, relayTLSNone:
		return m, nil
	case "":
		if isLoopback(addr) {
			return relayTLSOpportunistic, nil
		}
		return relayTLSRequired, nil
	}
	return "", fmt.Errorf("%q: want required, opportunistic or none", s)
}

// isLoopback reports whether the host of addr is a loopback address or
// "localhost".
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Deliver implements gosmtp.Deliverer.
func (r *relay) Deliver(ctx context.Context, m *gosmtp.Message) error {
	f, err := os.CreateTemp(r.dir, tmpPrefix+"relay-*.eml")
	if err != nil {
		return fmt.Errorf("relay: staging: %w", err)
	}
	defer removeTemp(f)
	st := stagedFacts{inHeader: true}
	size, err := io.Copy(f, io.TeeReader(m.Body, &st))
	if err != nil {
		return err // msakit's reply for the body, or a disk error
	}
	// With a signer, the DKIM-Signature fields go in front (RFC 6376,
	// Section 3.5); they are known only now that Body is read.
	sig := m.Signature()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("relay: staging: %w", err)
	}
	start := time.Now()
	converted, err := r.send(ctx, m, staged{f: f, sig: sig, size: size + int64(len(sig))}, st)
	if err != nil {
		err = r.failed(ctx, m.Transaction, err)
	}
	if r.observe != nil {
		r.observe(time.Since(start), err)
	}
	if err != nil {
		return err
	}
	r.logger.LogAttrs(ctx, slog.LevelInfo, "relayed", slog.String("id", m.Transaction.ID),
		slog.String("upstream", r.addr), slog.Bool("converted_to_7bit", converted))
	return nil
}

func removeTemp(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// stagedFacts is what the relay learns while staging a message: whether it
// has octets above 127, and whether its header does.
type stagedFacts struct {
	eightBit       bool
	headerEightBit bool
	inHeader       bool
	crlf           int // octets of "\r\n\r\n" matched at the end of what was seen
}

// Write notes what p holds; it never fails and takes all of p.
func (s *stagedFacts) Write(p []byte) (int, error) {
	n := len(p)
	if s.inHeader {
		for i, c := range p {
			if c >= 0x80 {
				s.eightBit, s.headerEightBit = true, true
			}
			switch {
			case c == "\r\n\r\n"[s.crlf]:
				s.crlf++
			case c == '\r':
				s.crlf = 1
			default:
				s.crlf = 0
			}
			if s.crlf == 4 {
				s.inHeader = false
				p = p[i+1:]
				break
			}
		}
	}
	if !s.inHeader && !s.eightBit && !isASCII(p) {
		s.eightBit = true
	}
	return n, nil
}

// staged is the message to send: the signature fields, if any, then the
// staged file.
type staged struct {
	f    *os.File
	sig  []byte
	size int64 // of both
}

func (s staged) reader() io.Reader { return io.MultiReader(bytes.NewReader(s.sig), s.f) }

// send runs one transaction with the upstream. It reports whether the
// message was converted to 7-bit.
func (r *relay) send(ctx context.Context, m *gosmtp.Message, msg staged, st stagedFacts) (bool, error) {
	tx := m.Transaction
	c, err := r.connect(ctx)
	if err != nil {
		return false, err
	}
	defer c.quit()

	opts := tx.MailOptions
	body, size := msg.reader(), msg.size
	params := []string{}
	converted := false
	switch {
	case opts.Body == policy.BodyBinaryMIME:
		if !c.has("CHUNKING") || !c.has("BINARYMIME") {
			return false, &policy.Reply{Code: 554, Enhanced: "5.6.1", Text: "Upstream relay does not accept BINARYMIME (RFC 3030)"}
		}
		params = append(params, "BODY=BINARYMIME")
	case st.eightBit && c.has("8BITMIME"):
		params = append(params, "BODY=8BITMIME")
	case st.eightBit:
		// RFC 6152, Section 3: no 8-bit data to a server without 8BITMIME.
		conv, err := os.CreateTemp(r.dir, tmpPrefix+"relay-7bit-*.eml")
		if err != nil {
			return false, fmt.Errorf("relay: staging: %w", err)
		}
		defer removeTemp(conv)
		if err := submission.Downgrade(conv, msg.f); err != nil {
			if reply, internal := submission.ReplyFor(submission.StageData, err); !internal {
				return false, reply
			}
			return false, fmt.Errorf("relay: converting to 7-bit: %w", err)
		}
		if size, err = conv.Seek(0, io.SeekCurrent); err == nil {
			_, err = conv.Seek(0, io.SeekStart)
		}
		if err != nil {
			return false, fmt.Errorf("relay: staging: %w", err)
		}
		body, converted = conv, true
		if len(msg.sig) > 0 {
			// The signature made at DATA time covers the 8-bit form, which
			// the upstream never sees: sign the 7-bit form instead.
			sig, err := r.resign(ctx, m.Conn.Identity, msg.sig, conv)
			if err != nil {
				return false, err
			}
			body, size = io.MultiReader(bytes.NewReader(sig), conv), size+int64(len(sig))
		}
	}
	if c.has("SIZE") {
		params = append(params, fmt.Sprintf("SIZE=%d", size))
	}
	utf8 := opts.SMTPUTF8
	if utf8 && !c.has("SMTPUTF8") {
		// RFC 6531, Section 3.5: an internationalized message is refused;
		// one that turns out to be all ASCII can go without SMTPUTF8.
		if !tx.From.IsASCII() || !allRecipientsASCII(tx) {
			return false, &policy.Reply{Code: 550, Enhanced: "5.6.7", Text: "Upstream relay does not support SMTPUTF8 addresses (RFC 6531)"}
		}
		if st.headerEightBit {
			return false, &policy.Reply{Code: 554, Enhanced: "5.6.9", Text: "Upstream relay does not support SMTPUTF8: UTF-8 header cannot be transferred (RFC 6531)"}
		}
		utf8 = false
	}
	if utf8 {
		params = append(params, "SMTPUTF8")
	}
	if opts.RequireTLS {
		// RFC 8689, Section 4.2: only over TLS to a server that offers it.
		if !c.tls || !c.has("REQUIRETLS") {
			return false, &policy.Reply{Code: 550, Enhanced: "5.7.30", Text: "REQUIRETLS support required of the upstream relay (RFC 8689)"}
		}
		params = append(params, "REQUIRETLS")
	}
	dsn := c.has("DSN")
	if dsn && opts.Return != "" {
		params = append(params, "RET="+opts.Return)
	}
	if dsn && opts.EnvelopeID != "" {
		params = append(params, "ENVID="+xtext(opts.EnvelopeID))
	}
	if _, _, err := c.cmd("MAIL", 250, "MAIL FROM:<%s>%s", envelopeString(tx.From, utf8), joinParams(params)); err != nil {
		return false, err
	}
	for _, rc := range tx.Recipients {
		var rp []string
		if dsn {
			rp = dsnRcptParams(rc.Options)
		}
		// 250 or 251 "will forward" (RFC 5321, Sections 3.4 and 4.3.2).
		if _, _, err := c.cmd("RCPT", 2, "RCPT TO:<%s>%s", envelopeString(rc.Path, utf8), joinParams(rp)); err != nil {
			return false, err
		}
	}
	if opts.Body == policy.BodyBinaryMIME {
		return false, c.bdat(body, size)
	}
	return converted, c.data(body)
}

// connect opens the session: greeting, EHLO, STARTTLS as tlsMode says,
// AUTH when credentials are configured.
func (r *relay) connect(ctx context.Context) (*smtpClient, error) {
	c, err := dialUpstream(ctx, &r.dialer, r.addr)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			c.quit()
		}
	}()
	if err := c.hello(r.hostname); err != nil {
		return nil, err
	}
	switch {
	case r.tlsMode == relayTLSNone:
	case c.has("STARTTLS"):
		if err := c.startTLS(ctx, r.tls, r.hostname); err != nil {
			return nil, err
		}
	case r.tlsMode == relayTLSRequired:
		return nil, &upstreamReply{stage: "STARTTLS", err: errNoSTARTTLS}
	}
	if r.user != "" {
		if !c.tls && !isLoopback(r.addr) {
			// newMSA refuses this set-up; a check here too costs nothing.
			return nil, &upstreamReply{stage: "AUTH", err: errors.New("credentials are never sent without TLS")}
		}
		if err := c.auth(r.user, r.password); err != nil {
			return nil, err
		}
	}
	ok = true
	return c, nil
}

func allRecipientsASCII(tx *policy.Transaction) bool {
	for _, rc := range tx.Recipients {
		if !rc.Path.IsASCII() {
			return false
		}
	}
	return true
}

func isASCII(p []byte) bool {
	for _, c := range p {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

func joinParams(p []string) string {
	if len(p) == 0 {
		return ""
	}
	return " " + strings.Join(p, " ")
}

// dsnRcptParams passes NOTIFY= and ORCPT= on (RFC 3461, Section 4). An
// ORCPT with a non-ASCII address is left out: its utf-8 form (RFC 6533) is
// not implemented here.
func dsnRcptParams(o policy.RcptOptions) []string {
	var p []string
	if len(o.Notify) > 0 {
		p = append(p, "NOTIFY="+strings.ToUpper(strings.Join(o.Notify, ",")))
	}
	if typ, addr, ok := strings.Cut(o.OriginalRecipient, ";"); ok && isASCII([]byte(o.OriginalRecipient)) {
		p = append(p, "ORCPT="+typ+";"+xtext(addr))
	}
	return p
}

// xtext encodes s as RFC 3461, Section 4 says: "+", "=", and octets
// outside "!" to "~" become "+XX".
func xtext(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '!' || c > '~' || c == '+' || c == '=' {
			fmt.Fprintf(&b, "+%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// envelopeString is a path without its angle brackets.
func envelopeString(p envelope.Path, smtputf8 bool) string {
	switch {
	case p.IsNull():
		return ""
	case p.IsPostmaster():
		return "Postmaster"
	}
	return p.Mailbox().Format(smtputf8)
}

// relayPasswordEnv names the environment variable that holds the relay
// password when no -relay-password-file is given.
const relayPasswordEnv = "MSA_RELAY_PASSWORD"

// relayOptions are the relay settings (config) newRelay takes.
type relayOptions struct {
	relay, relayTLS, relayCA     string
	relayUser, relayPasswordFile string
	relayPassword                string // from $MSA_RELAY_PASSWORD, never from a flag or the file
	spool                        string // where messages are staged
}

// newRelay builds the relay of o: TLS mode, trusted CAs, credentials. It
// refuses credentials that could travel unprotected: to an upstream that
// is not on loopback they need -relay-tls=required.
func newRelay(o *relayOptions, hostname string, logger *slog.Logger) (*relay, error) {
	mode, err := parseRelayTLS(o.relayTLS, o.relay)
	if err != nil {
		return nil, err
	}
	host, _, err := net.SplitHostPort(o.relay)
	if err != nil {
		return nil, fmt.Errorf("-relay %q: %w", o.relay, err)
	}
	r := &relay{addr: o.relay, hostname: hostname, dir: o.spool, logger: logger, tlsMode: mode,
		tls: &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}}
	if mode == relayTLSOpportunistic {
		r.tls.InsecureSkipVerify = true // RFC 7435: encryption without authentication
	}
	if o.relayCA != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(o.relayCA)
		if err != nil {
			return nil, fmt.Errorf("-relay-ca: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-relay-ca %s: no PEM certificate in it", o.relayCA)
		}
		r.tls.RootCAs = pool
	}
	if o.relayUser == "" {
		if o.relayPasswordFile != "" {
			return nil, errors.New("-relay-password-file needs -relay-user")
		}
		return r, nil
	}
	r.user, r.password = o.relayUser, o.relayPassword
	if o.relayPasswordFile != "" {
		b, err := os.ReadFile(o.relayPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("-relay-password-file: %w", err)
		}
		first, _, _ := strings.Cut(string(b), "\n")
		r.password = strings.TrimSuffix(first, "\r")
	}
	if r.password == "" {
		return nil, fmt.Errorf("-relay-user %s: no password: give -relay-password-file or set $%s", o.relayUser, relayPasswordEnv)
	}
	if mode != relayTLSRequired && !isLoopback(o.relay) {
		return nil, fmt.Errorf("-relay-user: credentials go only over verified TLS: -relay-tls=required for %s, which is not on loopback", o.relay)
	}
	return r, nil
}
