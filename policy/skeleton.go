// Package policy: TEMPORARY SKELETON. The policy helper replaces this file with
// the real implementation (one file per concept, one file per built-in policy).
// The exported API below is the contract submission and examples code against;
// it may grow, these shapes stay.
package policy

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/netip"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
)

// Reply is an SMTP reply: RFC 5321 basic code, RFC 3463 enhanced code.
type Reply struct {
	Code     int    // 4xx or 5xx
	Enhanced string // subject.detail only, e.g. "7.1"; class is Code/100
	Text     string // one line for the client; no CR/LF
	Err      error  // internal cause, for logs and errors.Is; never sent
	Policy   string // name of the policy that decided, "" if none
}

func (r *Reply) Error() string {
	return fmt.Sprintf("%d %s %s", r.Code, r.EnhancedCode(), r.Text)
}
func (r *Reply) Unwrap() error   { return r.Err }
func (r *Reply) Temporary() bool { return r.Code/100 == 4 }
func (r *Reply) EnhancedCode() string {
	e := r.Enhanced
	if e == "" {
		e = "0.0"
	}
	return fmt.Sprintf("%d.%s", r.Code/100, e)
}

// Conn is what is known of the client connection.
type Conn struct {
	RemoteAddr netip.AddrPort
	TLS        *tls.ConnectionState // nil when not under TLS
	Helo       string               // EHLO/HELO argument
	ESMTP      bool                 // EHLO (not HELO) was used
	Identity   auth.Identity        // zero when not authenticated
	Trusted    bool                 // set by TrustedNetworks (RFC 6409, Section 3.3)
}

// BodyType is the MAIL BODY= parameter (RFC 6152, RFC 3030).
type BodyType string

const (
	Body7Bit       BodyType = "7BIT"
	Body8BitMIME   BodyType = "8BITMIME"
	BodyBinaryMIME BodyType = "BINARYMIME"
)

// MailOptions are the MAIL FROM parameters.
type MailOptions struct {
	Size       int64    // SIZE= (RFC 1870), 0 = not given
	Body       BodyType // "" = not given (7BIT)
	SMTPUTF8   bool     // RFC 6531
	Auth       string   // AUTH= (RFC 4954, Section 5), "" = not given
	Return     string   // RET= (RFC 3461): "FULL" or "HDRS"
	EnvelopeID string   // ENVID= (RFC 3461)
	RequireTLS bool     // REQUIRETLS (RFC 8689)
}

// RcptOptions are the RCPT TO parameters.
type RcptOptions struct {
	Notify            []string // NOTIFY= (RFC 3461)
	OriginalRecipient string   // ORCPT= (RFC 3461)
}

// Recipient is one accepted (or being checked) recipient.
type Recipient struct {
	Path     envelope.Path
	Original string // as received
	Options  RcptOptions
}

// Transaction is the state of one mail transaction.
type Transaction struct {
	ID           string // submission id, for Received and traces
	From         envelope.Path
	OriginalFrom string // as received
	MailOptions  MailOptions
	Recipients   []Recipient
	Start        time.Time
}

// Policy is a named value that joins any of the stages by implementing
// MailPolicy, RcptPolicy, DataPolicy or the rewriter interfaces.
type Policy interface{ Name() string }

// MailPolicy checks MAIL FROM.
type MailPolicy interface {
	Policy
	CheckMail(ctx context.Context, c *Conn, tx *Transaction) error
}

// RcptPolicy checks one RCPT TO; rcpt is not yet in tx.Recipients.
type RcptPolicy interface {
	Policy
	CheckRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// DataPolicy checks the header as the client sent it; it must not edit h.
type DataPolicy interface {
	Policy
	CheckData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// MailRewriter changes the reverse-path after every MAIL check passed.
type MailRewriter interface {
	Policy
	RewriteMail(ctx context.Context, c *Conn, tx *Transaction) error
}

// RcptRewriter changes a recipient after every RCPT check passed.
type RcptRewriter interface {
	Policy
	RewriteRcpt(ctx context.Context, c *Conn, tx *Transaction, rcpt *Recipient) error
}

// DataRewriter edits the header after every DATA check passed (prepend,
// replace in place, delete). An error rejects the message; the edited
// header is then discarded.
type DataRewriter interface {
	Policy
	RewriteData(ctx context.Context, c *Conn, tx *Transaction, h *header.Header) error
}

// Chain runs policies per stage: all checks in order, then all rewrites.
type Chain struct{ name string }

// NewChain builds a chain; an error for a policy that joins no stage or a duplicate name.
func NewChain(name string, ps ...Policy) (*Chain, error) { return &Chain{name: name}, nil }

func (c *Chain) Name() string                                                { return c.name }
func (c *Chain) Mail(ctx context.Context, conn *Conn, tx *Transaction) error { return nil }
func (c *Chain) Rcpt(ctx context.Context, conn *Conn, tx *Transaction, r *Recipient) error {
	return nil
}
func (c *Chain) Data(ctx context.Context, conn *Conn, tx *Transaction, h *header.Header) error {
	return nil
}

// Built-in policies (one file each in the real package). Field sets are the
// contract; zero values are the RFC 6409 defaults.

type RequireAuth struct {
	AllowPostmaster bool // RFC 6409, Section 6.4: unauthenticated RCPT <Postmaster> allowed
}
type TrustedNetworks struct{ Prefixes []netip.Prefix }
type QualifyDomains struct {
	Expand envelope.Domain // zero: reject single-label; else expand single-label to it
}
type EnforceAddressSyntax struct{}
type EnforceSender struct{ Senders auth.SenderAuthorizer }
type RecipientPermissions struct {
	Allow func(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error)
}
type Postmaster struct{}
type MaxRecipients struct{ Max int } // 0 = 100
type MaxSize struct{ Max int64 }     // 0 = no limit
type RequireSMTPUTF8 struct{}
type AddDate struct {
	Now      func() time.Time
	Location *time.Location
}
type AddMessageID struct {
	Domain envelope.Domain
	NewID  func() (string, error)
}
type AddSender struct{}
type CheckHeader struct{ AddMissingFrom bool }
type RewriteAddresses struct{}
type RemoveBcc struct{}
