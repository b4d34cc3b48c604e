package dkim

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/submission"
)

// Key is one signing key of a domain, published at
// <Selector>._domainkey.<Domain> (RFC 6376, Section 3.6.2.1).
type Key struct {
	// Domain is the signing domain, the d= tag (the SDID, RFC 6376,
	// Section 3.5): messages whose author is in this domain are signed
	// with this key. Required; written in its A-label form.
	Domain envelope.Domain
	// Selector is the s= tag (RFC 6376, Section 3.1): one or more dot-
	// separated labels of letters, digits and hyphens. Required.
	Selector string
	// Signer is the private key: an *rsa.PrivateKey of 1024 to 4096 bits
	// signs rsa-sha256 (RFC 6376, Section 3.3.2; RFC 8301, Section 3.2),
	// an ed25519.PrivateKey ed25519-sha256 (RFC 8463, Section 3). See
	// [ParsePrivateKey]. Required.
	Signer crypto.Signer
}

// Config configures a [Signer].
type Config struct {
	// Keys are the signing keys, one or more per domain. A message is
	// signed with every key of the first author domain that has any, in
	// the order given, one DKIM-Signature field each (RFC 6376, Section
	// 4). Required.
	Keys []Key
	// Fields names header fields to sign besides RFC 6376, Section
	// 5.4.1's list (see the package documentation), for example
	// Message-ID, Sender, MIME-Version or Content-Type. Names compare
	// without regard to case. Received, Return-Path and DKIM-Signature
	// are refused (RFC 6376, Section 5.4.1).
	Fields []string
}

// recommendedFields are the header fields RFC 6376, Section 5.4.1 lists as
// the core of a message, From first (the one a signature must cover,
// Section 5.4).
var recommendedFields = [...]string{
	"From", "Reply-To", "Subject", "Date", "To", "Cc",
	"Resent-Date", "Resent-From", "Resent-To", "Resent-Cc",
	"In-Reply-To", "References",
	"List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive",
}

// refusedFields may not be signed: changed or added in transit, or handled
// on its own (RFC 6376, Section 5.4.1).
var refusedFields = [...]string{"Received", "Return-Path", "DKIM-Signature"}

// Signer signs messages with DKIM (RFC 6376) as msakit's
// [submission.Signer]; see the package documentation for what it signs.
// It is immutable after [New] and safe for concurrent use.
type Signer struct {
	keys   map[string][]Key // by Domain.ASCII()
	fields []string         // recommendedFields then Config.Fields, no duplicates
}

var _ submission.Signer = (*Signer)(nil)

// New checks cfg and returns its Signer. It fails without keys, for a key
// without a domain or with a domain literal, for a selector that is not a
// run of dot-separated LDH labels (RFC 6376, Section 3.1), for a key that
// is neither RSA of 1024 to 4096 bits nor Ed25519 (RFC 8301, Section 3.2),
// and for a field name outside RFC 5322, Section 3.6.8's ftext or one of
// the refused fields.
func New(cfg Config) (*Signer, error) {
	if len(cfg.Keys) == 0 {
		return nil, errors.New("dkim: no signing keys")
	}
	s := &Signer{keys: make(map[string][]Key)}
	for i, k := range cfg.Keys {
		switch {
		case k.Domain.IsZero():
			return nil, fmt.Errorf("dkim: key %d: no domain", i)
		case k.Domain.IsLiteral():
			return nil, fmt.Errorf("dkim: key %d: %s is an address literal, not a domain", i, k.Domain.ASCII())
		case !validSelector(k.Selector):
			return nil, fmt.Errorf("dkim: key %d: selector %q is not dot-separated letters, digits and hyphens (RFC 6376, Section 3.1)", i, k.Selector)
		case k.Signer == nil:
			return nil, fmt.Errorf("dkim: key %d: no private key", i)
		}
		if _, err := keyType(k.Signer); err != nil {
			return nil, fmt.Errorf("dkim: key %d (%s._domainkey.%s): %w", i, k.Selector, k.Domain.ASCII(), err)
		}
		d := k.Domain.ASCII()
		s.keys[d] = append(s.keys[d], k)
	}
	s.fields = append(s.fields, recommendedFields[:]...)
	for _, f := range cfg.Fields {
		if !validFieldName(f) {
			return nil, fmt.Errorf("dkim: %q is not a header field name (RFC 5322, Section 3.6.8)", f)
		}
		for _, r := range refusedFields {
			if ascii.EqualFold(f, r) {
				return nil, fmt.Errorf("dkim: %s must not be signed: it changes in transit or is handled on its own (RFC 6376, Section 5.4.1)", f)
			}
		}
		if !containsFold(s.fields, f) {
			s.fields = append(s.fields, f)
		}
	}
	return s, nil
}

// Sign implements [submission.Signer]: it picks the first of req.Authors
// whose domain has keys and starts one go-msgauth signer per key of that
// domain, relaxed/relaxed, over req.Header. It returns nil, nil when no
// author's domain has a key. Errors come from go-msgauth (a header it
// cannot read).
func (s *Signer) Sign(ctx context.Context, req submission.SignRequest) (submission.BodySigner, error) {
	var keys []Key
	for _, a := range req.Authors {
		if keys = s.keys[a.Domain.ASCII()]; keys != nil {
			break
		}
	}
	if keys == nil {
		return nil, nil
	}
	fields := s.signedFields(req.Header)
	b := &bodySigner{signers: make([]*dkim.Signer, 0, len(keys))}
	for _, k := range keys {
		ds, err := dkim.NewSigner(&dkim.SignOptions{
			Domain:                 k.Domain.ASCII(),
			Selector:               k.Selector,
			Signer:                 k.Signer,
			Hash:                   crypto.SHA256,
			HeaderCanonicalization: dkim.CanonicalizationRelaxed,
			BodyCanonicalization:   dkim.CanonicalizationRelaxed,
			HeaderKeys:             fields,
		})
		if err != nil {
			b.close()
			return nil, err
		}
		b.signers = append(b.signers, ds)
	}
	if err := b.writeHeader(req.Header); err != nil {
		b.close()
		return nil, err
	}
	b.stop = context.AfterFunc(ctx, b.abort)
	return b, nil
}

// signedFields is the h= list for h (RFC 6376, Section 3.5): each field of
// the list as many times as h has it, and From once more, so that a From
// field added later breaks the signature (RFC 6376, Sections 5.4.2 and
// 8.15). Fields that h lacks are not listed.
func (s *Signer) signedFields(h *header.Header) []string {
	out := make([]string, 0, 16)
	for _, name := range s.fields {
		n := h.Count(name)
		if name == "From" {
			n++
		}
		for range n {
			out = append(out, name)
		}
	}
	return out
}

// bodySigner is the [submission.BodySigner] of one message: the body goes
// to every key's go-msgauth signer in turn.
type bodySigner struct {
	signers []*dkim.Signer
	stop    func() bool // stops the abort on ctx

	mu     sync.Mutex
	closed bool
}

// writeHeader gives every signer the header block, with the empty line
// that ends it even when the message has none (a message with no body).
func (b *bodySigner) writeHeader(h *header.Header) error {
	p := h.Bytes()
	var tail string
	switch {
	case h.HasSeparator():
	case len(p) > 0 && p[len(p)-1] == '\n':
		tail = "\r\n"
	default:
		tail = "\r\n\r\n"
	}
	for _, ds := range b.signers {
		if _, err := ds.Write(p); err != nil {
			return err
		}
		if _, err := io.WriteString(ds, tail); err != nil {
			return err
		}
	}
	return nil
}

// Write gives p to every signer; go-msgauth canonicalizes and hashes it
// (RFC 6376, Sections 3.4.4 and 3.7) as it arrives.
func (b *bodySigner) Write(p []byte) (int, error) {
	for _, ds := range b.signers {
		if _, err := ds.Write(p); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Sum ends the body and returns the DKIM-Signature fields, one per key, in
// key order.
func (b *bodySigner) Sum() ([]byte, error) {
	if !b.stop() {
		return nil, errors.New("dkim: the message's context ended before its signature")
	}
	if err := b.close(); err != nil {
		return nil, err
	}
	var out []byte
	for _, ds := range b.signers {
		out = append(out, ds.Signature()...)
	}
	return out, nil
}

// abort releases the signers when the message is abandoned: closing ends
// go-msgauth's goroutines.
func (b *bodySigner) abort() { _ = b.close() }

// close closes every signer once.
func (b *bodySigner) close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return errors.New("dkim: signer already closed")
	}
	b.closed = true
	var errs []error
	for _, ds := range b.signers {
		errs = append(errs, ds.Close())
	}
	return errors.Join(errs...)
}

// validSelector reports whether s is a selector of RFC 6376, Section 3.1:
// sub-domain *("." sub-domain), each sub-domain letters, digits and inner
// hyphens (RFC 5321, Section 4.1.2), at most 63 octets.
func validSelector(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !ascii.IsLDH(label[i]) {
				return false
			}
		}
	}
	return true
}

// validFieldName reports whether s is a field name: one or more printable
// US-ASCII characters other than colon (RFC 5322, Section 3.6.8).
func validFieldName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !ascii.IsVchar(c) || c == ':' {
			return false
		}
	}
	return true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if ascii.EqualFold(x, s) {
			return true
		}
	}
	return false
}
