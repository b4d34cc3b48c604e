package submission

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// CheckAddress answers "would this MSA accept path?" for MAIL FROM (stage
// [StageMail]) or RCPT TO ([StageRcpt]), without a session: the checks that
// judge an envelope address by itself run, configured as the agent's
// profile, and nothing else (not the authentication, sender and recipient
// permissions, limits or site policies, which depend on who submits).
// smtputf8 says whether the transaction uses SMTPUTF8 (RFC 6531, Section
// 3.4). path is written as a server receives it, with or without angle
// brackets.
//
// It returns the path as the MSA would relay it (a single-level domain
// expanded by Config.Expand, <Postmaster> qualified to Hostname, a
// reverse-path rewritten by Config.Rewrite; RFC 6409, Sections 4.2 and 8.8)
// and nil, or the *policy.Reply that MAIL or RCPT would send:
//
//   - 501 5.1.7 at MAIL, 501 5.1.3 at RCPT: not a path, or an improper
//     address (RFC 6409, Section 5.1; RFC 5321, Section 4.1.2), <> at RCPT;
//   - 554 5.1.8 at MAIL, 554 5.1.2 at RCPT: a domain that is not fully
//     qualified (RFC 6409, Section 4.2);
//   - 550 5.6.7 at MAIL, 553 5.6.7 at RCPT: a non-ASCII address without
//     smtputf8 (RFC 6531, Section 3.5).
//
// The null reverse-path <> and the unqualified <Postmaster> are accepted
// where RFC 5321 allows them. Any other stage is an error that is not a
// reply. CheckAddress logs nothing and is safe for concurrent use.
func (a *Agent) CheckAddress(stage Stage, path string, smtputf8 bool) (envelope.Path, error) {
	ctx := context.Background()
	tx := &policy.Transaction{MailOptions: policy.MailOptions{SMTPUTF8: smtputf8}}
	conn := &policy.Conn{Trusted: true}
	switch stage {
	case StageMail:
		p, err := envelope.ParseReversePath(path)
		if err != nil {
			r, _ := ReplyFor(stage, err)
			return envelope.Path{}, r
		}
		tx.From, tx.OriginalFrom = p, path
		if err := a.addressChain.Mail(ctx, conn, tx); err != nil {
			r, _ := ReplyFor(stage, err)
			return envelope.Path{}, r
		}
		return tx.From, nil
	case StageRcpt:
		p, err := envelope.ParseForwardPath(path)
		if err != nil {
			r, _ := ReplyFor(stage, err)
			return envelope.Path{}, r
		}
		rcpt := &policy.Recipient{Path: p, Original: path}
		if err := a.addressChain.Rcpt(ctx, conn, tx, rcpt); err != nil {
			r, _ := ReplyFor(stage, err)
			return envelope.Path{}, r
		}
		return rcpt.Path, nil
	}
	return envelope.Path{}, errors.New("submission: CheckAddress: stage must be StageMail or StageRcpt")
}

// addressPolicies are the policies of the profile ps that judge or rewrite
// an envelope address by itself, for CheckAddress.
func addressPolicies(ps []policy.Policy) []policy.Policy {
	var out []policy.Policy
	for _, p := range ps {
		switch p.(type) {
		case enforceAddressSyntax, qualifyDomains, requireSMTPUTF8, qualifyPostmaster, rewriteAddresses:
			out = append(out, p)
		}
	}
	return out
}

// Submission is one submission for [Agent.Check]: who submits, the
// envelope and the message, as a server would hand them to a [Session].
type Submission struct {
	// Conn is the client as NewSession gets it: an Identity makes the
	// submission authenticated (RFC 4954), Trusted or a RemoteAddr in
	// Config.Trusted makes it trusted (RFC 6409, Section 3.3), TLS and
	// Helo go into the Received field.
	Conn policy.Conn
	// From is the reverse-path as the client sent it, with or without
	// angle brackets; "" is the null reverse-path <>.
	From string
	// To are the forward-paths, in order.
	To []string
	// Options are the MAIL FROM parameters (SIZE=, BODY=, SMTPUTF8, ...).
	Options policy.MailOptions
	// Message is the message as the client sent it after DATA: header,
	// empty line, body, with CRLF line endings.
	Message []byte
}

// Report is what the MSA would do with a [Submission] (see [Agent.Check]).
type Report struct {
	// Stage is the command that refused the submission: StageMail,
	// StageRcpt (the first refused recipient) or StageData; 0 when it was
	// accepted.
	Stage Stage
	// Reply is the refusal, as the client would get it; nil when the
	// submission was accepted.
	Reply *policy.Reply
	// Transaction is the envelope as the MSA left it (a reverse-path or
	// recipients rewritten by the profile); nil when MAIL was refused.
	Transaction *policy.Transaction
	// Message is the message as it would be queued, the Received field
	// first (none with Config.DisableReceived), preceded by the fields of
	// Config.Signer (a DKIM-Signature) when it signed; nil when the
	// submission was refused.
	Message []byte
	// Added are the header fields of Message the client did not send: new
	// fields, and the new version of each field replaced in place.
	Added []header.Field
	// Removed are the header fields the client sent that are not in
	// Message: deleted fields, and the old version of each replaced one.
	Removed []header.Field
}

// Check runs one whole submission through the agent, as a Session does
// for a client (MAIL, every RCPT, DATA), and reports what the MSA would do
// with it: the reply that refuses it, or the message as it would be queued
// and the header fields the MSA added, replaced or removed (RFC 6409,
// Sections 4 to 8). Nothing leaves the process and nothing is recorded: the
// trace sink, the sending limits, the Observer and the log are not used, so
// Check may be called by a test suite, a linter of outgoing mail or a
// configuration check while the agent serves clients. A refused recipient
// ends the check, as a client that cannot reach every recipient would stop.
// Check is safe for concurrent use.
func (a *Agent) Check(ctx context.Context, sub Submission) Report {
	quiet := *a
	quiet.trace = TraceSinkFunc(func(context.Context, TraceRecord) error { return nil })
	quiet.limits = nil
	quiet.obs = nil
	quiet.log = logger{l: slog.New(slog.DiscardHandler), client: newTokenBucket(-1, 1, a.now)}
	s := quiet.NewSession(sub.Conn)
	opts := sub.Options
	if err := s.Mail(ctx, sub.From, &opts); err != nil {
		return refused(StageMail, err, nil)
	}
	for _, to := range sub.To {
		if err := s.Rcpt(ctx, to, nil); err != nil {
			return refused(StageRcpt, err, s.Transaction())
		}
	}
	r, err := s.Data(ctx, bytes.NewReader(sub.Message))
	if err != nil {
		return refused(StageData, err, s.Transaction())
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return refused(StageData, err, s.Transaction())
	}
	// With a Config.Signer the queued message starts with its fields.
	if sig := r.(SignedReader).Signature(); len(sig) > 0 {
		out = append(sig[:len(sig):len(sig)], out...)
	}
	rep := Report{Transaction: s.Transaction(), Message: out}
	rep.Added, rep.Removed = diffFields(sub.Message, out, a.headerOpts)
	return rep
}

// refused is the Report of a refusal; every error of a Session is a
// *policy.Reply.
func refused(stage Stage, err error, tx *policy.Transaction) Report {
	r, _ := ReplyFor(stage, err)
	return Report{Stage: stage, Reply: r, Transaction: tx}
}

// diffFields lists the fields only in out's header (added, or the new
// version of a replaced field) and only in in's (removed, or the old
// version), compared by their raw bytes, each side as a multiset. Both are
// read with the agent's header bounds, under which the MSA accepted them.
func diffFields(in, out []byte, opts header.ReadOptions) (added, removed []header.Field) {
	read := func(b []byte) *header.Header {
		h, err := header.Read(bufio.NewReader(bytes.NewReader(b)), opts)
		if err != nil {
			return &header.Header{}
		}
		return h
	}
	hin, hout := read(in), read(out)
	count := map[string]int{}
	for _, f := range hin.All() {
		count[string(f.Raw())]++
	}
	for _, f := range hout.All() {
		k := string(f.Raw())
		if count[k] > 0 {
			count[k]--
			continue
		}
		added = append(added, f)
	}
	for _, f := range hin.All() {
		k := string(f.Raw())
		if count[k] > 0 {
			count[k]--
			removed = append(removed, f)
		}
	}
	return added, removed
}
