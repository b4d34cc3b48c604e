package submission

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
)

// Signer signs accepted messages as the last step of the DATA stage: RFC
// 6409, Section 8.5 names signing among the changes an MSA may make, and a
// DKIM signature (RFC 6376; ed25519-sha256, RFC 8463) is what receivers
// check. examples/dkim implements it on github.com/emersion/go-msgauth.
//
// [Session.Data] calls Sign once per message, after the DATA policies have
// made every change (Date, Message-ID, Sender, Bcc removal, address
// rewriting) and after the Received field has been prepended, so the
// header it is given is the header that will be queued. The body then
// passes through the returned [BodySigner] as the server reads the reader
// Data returned, never buffered, and at the end of the body the fields
// BodySigner.Sum returns become the reader's [SignedReader.Signature]: the
// server writes them in front of the message it queues.
//
// Sign returns nil, nil when it has nothing to sign with, for example no key
// for any of the request's Authors: the message is queued unsigned, which
// is not an error. An error from Sign, Write or Sum is our outage, never
// the client's fault: the message is refused with 451 4.3.0 and the error
// is logged at Error level with the cause.
//
// ctx is cancelled when the message ends: after Sum has returned, when the
// body is refused, or when the context given to Data ends (a server that
// abandons the reader); a BodySigner must release what it holds (keys,
// goroutines) by then. A Signer must be safe for concurrent use; each
// BodySigner is used by one goroutine at a time.
type Signer interface {
	Sign(ctx context.Context, req SignRequest) (BodySigner, error)
}

// SignRequest is what a [Signer] is told about one message.
type SignRequest struct {
	// Identity is who submitted the message (RFC 4954); zero for a session
	// authorized by its network only (Config.Trusted).
	Identity auth.Identity

	// Authors are the author mailboxes of the final header that the
	// submitter may send as, in header order: those of From (RFC 5322,
	// Section 3.6.2), then, in a resent message, those of the topmost
	// Resent-From (RFC 5322, Section 3.6.6). A signer that picks its signing
	// domain among their domains signs only for domains the submitter owns;
	// the From domain comes first, as DMARC alignment wants (RFC 7489,
	// Section 3.1).
	//
	// "May send as" is decided once, by the agent: with the enforce-sender
	// check on (the default) every author of an authenticated session
	// qualifies, since the check refused any other before the rewrites and
	// the rewrites follow the operator's rules; with Config.DisableEnforceSender
	// each mailbox is judged by Config.Senders as it stands in the final
	// header. A trusted session without an identity may send as anyone (RFC
	// 6409, Section 3.3), and a session with neither (the reduced
	// authentication of Config.AllowPostmaster) as no one. An address
	// field that does not parse gives no author. nil when there is none.
	Authors []envelope.Mailbox

	// Header is the final header block, Received included, exactly as it
	// will be queued ([header.Header.Bytes]). It stays unchanged until the
	// message ends; the Signer must not modify it.
	Header *header.Header
}

// BodySigner receives the body of one message and makes its signature
// fields (for DKIM, the body hash of RFC 6376, Section 3.7 and then the
// signature of Section 5).
type BodySigner interface {
	// Write takes the next octets of the body: the octets queued after the
	// header block and its empty line, in order, with CRLF line ends, as
	// they stream from the client. An error refuses the message (451
	// 4.3.0).
	Write(p []byte) (int, error)

	// Sum is called once, after the last Write, and returns the header
	// fields to put in front of the message: zero or more complete fields
	// (RFC 5322, Section 2.2), each ending in CRLF, folded only with CRLF
	// and white space, lines of at most 998 octets, at most 16 fields and
	// 32 KiB, octets above 127 only in an SMTPUTF8 message. Anything else
	// refuses the message (451 4.3.0, logged), so that a faulty signer
	// never corrupts it. nil means no signature.
	Sum() ([]byte, error)
}

// SignedReader is the reader [Session.Data] returns. When the agent has a
// Config.Signer, the message to queue is Signature followed by every octet
// Read returned: a server reads the message to io.EOF (spooling it, say,
// to a temporary file), then writes Signature before it and only then
// commits it. Memory stays O(header): nothing of the body is kept.
type SignedReader interface {
	io.Reader

	// Signature returns the header fields the Signer made for this
	// message (RFC 6376, Section 3.5: a DKIM-Signature field), each ending
	// in CRLF, to be placed before the first octet Read returned. It is
	// valid once Read has returned io.EOF; before that, after a failed
	// Read, without a Signer, or when the Signer had no key for the
	// message, it returns nil. The slice must not be modified.
	Signature() []byte
}

// errSignFailed is wrapped by the reply to a message whose signing failed
// (an error of the [Signer] or its [BodySigner], or fields that are not
// header fields): 451 4.3.0, our outage, logged at Error. Unexported, as
// errTraceFailed is: the server sees the 451 and msakit logs the cause.
var errSignFailed = errors.New("submission: signing failed")

// signError wraps a signer's error in errSignFailed. The cause is kept as
// text only: a *policy.Reply from a signer must not reach the client, since
// a signing failure is never the client's fault.
func signError(op string, err error) error {
	return fmt.Errorf("%w: %s: %v", errSignFailed, op, err)
}

// startSigning calls the Signer, when there is one, for the final header h.
// It returns a nil BodySigner when the message is not to be signed. The
// Signer's context lives as long as the body (ctx's child); stage is the
// DATA stage's context, whose deadline bounds the Sign call itself.
func (s *Session) startSigning(ctx, stage context.Context, h *header.Header) (BodySigner, context.CancelFunc, error) {
	sg := s.a.cfg.Signer
	if sg == nil {
		return nil, nil, nil
	}
	authors, err := s.authors(stage, h)
	if err = overran(stage, "sender authorizer", err); err != nil {
		return nil, nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	stop := cancelAtDeadline(stage, cancel)
	bs, err := sg.Sign(sctx, SignRequest{Identity: s.conn.Identity, Authors: authors, Header: h})
	stop()
	if err = overran(stage, "signer", err); err != nil || bs == nil {
		cancel()
		switch err.(type) {
		case nil:
			return nil, nil, nil
		case *overrunError:
			return nil, nil, err
		}
		return nil, nil, signError("starting", err)
	}
	return bs, cancel, nil
}

// authors returns SignRequest.Authors for the final header h.
func (s *Session) authors(ctx context.Context, h *header.Header) ([]envelope.Mailbox, error) {
	id := s.conn.Identity
	if id.IsZero() && !s.conn.Trusted {
		return nil, nil
	}
	recheck := !id.IsZero() && s.a.cfg.DisableEnforceSender
	var out []envelope.Mailbox
	add := func(f header.Field) error {
		addrs, _, err := fieldAddresses(s.tx, f)
		if err != nil {
			return nil // no author; check-header refused it unless Config.DisableCheckHeader
		}
		for _, a := range addrs {
			if recheck {
				ok, err := s.a.enforceSender().Authorized(ctx, id, a.Mailbox)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			out = append(out, a.Mailbox)
		}
		return nil
	}
	resent := -1
	for i, f := range h.All() {
		switch {
		case f.HasName("From"):
			if err := add(f); err != nil {
				return nil, err
			}
		case resent < 0 && f.HasName("Resent-From"):
			resent = i
		}
	}
	if resent >= 0 {
		if err := add(h.Field(resent)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Bounds of the fields a [BodySigner] returns: room for several
// DKIM-Signature fields (about 1 KB each with an RSA 4096 key, RFC 6376,
// Section 3.5) or an ARC set, and a bound on what a faulty signer can put
// in front of every message.
const (
	maxSignatureLen    = 32 << 10 // octets, CRLFs included
	maxSignatureFields = 16
)

// checkSignature refuses fields that would corrupt the queued message,
// whatever the signer returned: p must be complete header fields (RFC
// 5322, Section 2.2), each a field name of printable ASCII other than ":",
// a colon, a value folded only with CRLF followed by white space, and a
// CRLF at its end; no empty line (it would end the header early), no bare
// CR or LF, no NUL, no line over 998 octets (Section 2.1.1), at most
// maxSignatureFields fields and maxSignatureLen octets, and octets above
// 127 only when the message is SMTPUTF8 (RFC 6532, Section 3), as for the
// client's own header. It reads p with the parser of the client's header.
func checkSignature(p []byte, smtputf8 bool) error {
	if len(p) == 0 {
		return nil
	}
	if len(p) > maxSignatureLen {
		return fmt.Errorf("fields of %d octets, over the bound of %d", len(p), maxSignatureLen)
	}
	if !bytes.HasSuffix(p, []byte("\r\n")) {
		return errors.New("fields do not end in CRLF")
	}
	h, err := header.Read(bufio.NewReader(bytes.NewReader(p)), header.ReadOptions{MaxSize: maxSignatureLen, MaxFields: maxSignatureFields})
	switch {
	case err != nil:
		return fmt.Errorf("not header fields: %w", err)
	case h.HasSeparator():
		return errors.New("fields contain an empty line")
	case !smtputf8 && !h.IsASCII():
		return errors.New("fields hold octets above 127 in a message without SMTPUTF8")
	}
	return nil
}

// enforceSender is the sender check of the profile, for judging authors
// again when the profile's own check is off.
func (a *Agent) enforceSender() enforceSender {
	return enforceSender{Senders: a.cfg.Senders, Expand: a.cfg.Expand}
}
