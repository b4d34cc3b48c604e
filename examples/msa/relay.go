package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/policy"
)

// relay forwards each accepted message to an upstream MTA (RFC 6409,
// Section 1: the MSA hands the message to an MTA). The message is first
// staged in a temporary file, so a body msakit refuses half-way never
// reaches the upstream; the client gets 250 only after the upstream
// accepted the message.
//
// The connection to the upstream is plain SMTP: put the MTA on loopback or
// on a trusted network.
type relay struct {
	addr     string // host:port
	hostname string // our EHLO name
	dir      string // where to stage messages
	logger   *slog.Logger
	dialer   net.Dialer
}

var _ gosmtp.Deliverer = (*relay)(nil)

// Deliver implements gosmtp.Deliverer.
func (r *relay) Deliver(ctx context.Context, m *gosmtp.Message) error {
	f, err := os.CreateTemp(r.dir, tmpPrefix+"relay-*.eml")
	if err != nil {
		return fmt.Errorf("relay: staging: %w", err)
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, m.Body); err != nil {
		return err // msakit's reply for the body, or a disk error
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("relay: staging: %w", err)
	}
	if err := r.send(ctx, m.Transaction, f); err != nil {
		return err
	}
	r.logger.LogAttrs(ctx, slog.LevelInfo, "relayed", slog.String("id", m.Transaction.ID), slog.String("upstream", r.addr))
	return nil
}

func (r *relay) send(ctx context.Context, tx *policy.Transaction, body io.Reader) error {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := r.dialer.DialContext(dctx, "tcp", r.addr)
	if err != nil {
		return upstreamError(err)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	if err := c.Hello(r.hostname); err != nil {
		return upstreamError(err)
	}
	opts := &smtp.MailOptions{
		Body: smtp.BodyType(tx.MailOptions.Body),
		UTF8: tx.MailOptions.SMTPUTF8,
	}
	if ok, _ := c.Extension("SMTPUTF8"); !ok && opts.UTF8 {
		// RFC 6531, Section 3.5 forbids sending it on. This reply ends
		// DATA, where 553 is not a valid code (RFC 5321, Section 4.3.2):
		// 550 with X.6.7, registered for 550 and 553 (RFC 6531, Section 4).
		return &policy.Reply{
			Code:     550,
			Enhanced: "5.6.7",
			Text:     "Upstream relay does not support SMTPUTF8",
		}
	}
	if ok, _ := c.Extension("8BITMIME"); !ok {
		opts.Body = ""
	}
	dsn, _ := c.Extension("DSN")
	if dsn {
		opts.Return = smtp.DSNReturn(tx.MailOptions.Return)
		opts.EnvelopeID = tx.MailOptions.EnvelopeID
	}
	if err := c.Mail(envelopeString(tx.From, opts.UTF8), opts); err != nil {
		return upstreamError(err)
	}
	for _, rc := range tx.Recipients {
		var ro *smtp.RcptOptions
		if dsn {
			ro = dsnRcptOptions(rc.Options)
		}
		if err := c.Rcpt(envelopeString(rc.Path, opts.UTF8), ro); err != nil {
			return upstreamError(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return upstreamError(err)
	}
	if _, err := io.Copy(w, body); err != nil {
		return upstreamError(err)
	}
	if err := w.Close(); err != nil {
		return upstreamError(err)
	}
	_ = c.Quit()
	return nil
}

// envelopeString is a path for go-smtp's client, which adds the brackets.
func envelopeString(p envelope.Path, smtputf8 bool) string {
	switch {
	case p.IsNull():
		return ""
	case p.IsPostmaster():
		return "Postmaster"
	}
	return p.Mailbox().Format(smtputf8)
}

// upstreamError turns a failure of the upstream into the reply for our
// client: the upstream's own code and enhanced code with a generic text,
// or 451 4.4.1 when it could not be reached (RFC 3463, Section 3.5).
func upstreamError(err error) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code >= 400 && se.Code <= 599 {
		enh := ""
		if se.EnhancedCode[0] == se.Code/100 {
			enh = fmt.Sprintf("%d.%d.%d", se.EnhancedCode[0], se.EnhancedCode[1], se.EnhancedCode[2])
		}
		return &policy.Reply{Code: se.Code, Enhanced: enh, Text: "Refused by the upstream relay", Err: err}
	}
	return &policy.Reply{Code: 451, Enhanced: "4.4.1", Text: "Upstream relay unavailable, try again later", Err: err}
}

// dsnRcptOptions passes NOTIFY= and ORCPT= on (RFC 3461, Section 4).
func dsnRcptOptions(o policy.RcptOptions) *smtp.RcptOptions {
	ro := &smtp.RcptOptions{}
	for _, n := range o.Notify {
		ro.Notify = append(ro.Notify, smtp.DSNNotify(n))
	}
	if typ, addr, ok := strings.Cut(o.OriginalRecipient, ";"); ok {
		ro.OriginalRecipientType = smtp.DSNAddressType(strings.ToUpper(typ))
		ro.OriginalRecipient = addr
	}
	return ro
}
