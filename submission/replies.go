package submission

import (
	"context"
	"errors"
	"fmt"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// Stage names the SMTP command an error belongs to. The same lower-level
// error maps to different replies at different stages: a bad address is
// 501 5.1.7 at MAIL but 501 5.1.3 at RCPT (RFC 3463, Section 3.2).
type Stage uint8

// The stages of a submission (RFC 5321, Section 3.3; RFC 4954 for AUTH).
const (
	StageMail Stage = iota + 1 // MAIL FROM
	StageRcpt                  // RCPT TO
	StageData                  // DATA or BDAT, including the streamed body
	StageAuth                  // AUTH
)

// String returns the command name: "MAIL", "RCPT", "DATA" (RFC 5321,
// Section 4.1.1) or "AUTH" (RFC 4954, Section 4).
func (s Stage) String() string {
	switch s {
	case StageMail:
		return "MAIL"
	case StageRcpt:
		return "RCPT"
	case StageData:
		return "DATA"
	case StageAuth:
		return "AUTH"
	}
	return "UNKNOWN"
}

// Causes wrapped (as Reply.Err) by replies built outside codes.go, for
// logs and this package's tests; callers tell replies apart by Code,
// Enhanced and Policy (see codes.go).
var (
	// err8Bit: an octet above 127 where it is not accepted: in the header
	// of a message sent without SMTPUTF8 (RFC 6532, Section 3), or, with
	// Config.DisableUndeclared8Bit, in a message sent without BODY=8BITMIME
	// or BINARYMIME (RFC 6152, Section 3); 554 5.6.1.
	err8Bit = errors.New("submission: 8-bit data not allowed")
	// errTraceFailed: the [TraceSink] failed, so the message cannot be
	// traced to its submitter (RFC 5068, Section 3.1); 451 4.3.0.
	errTraceFailed = errors.New("submission: trace record not written")
)

// Replies built by this package. Each returns a new value.
func replyNestedMail() *policy.Reply {
	// RFC 5321, Section 4.1.1.2 and 4.1.4: MAIL during a transaction is
	// out of sequence; 503 with X.5.1 (RFC 3463, Section 3.6).
	return withText(replyBadSequence(), "Nested MAIL command")
}

func replyNeedMail() *policy.Reply {
	return withText(replyBadSequence(), "Need MAIL command first")
}

func replyNeedRcpt() *policy.Reply {
	// RFC 5321, Section 3.3: DATA without an accepted RCPT may get 503.
	return withText(replyBadSequence(), "Need RCPT command first")
}

func replyAlreadyAuthenticated() *policy.Reply {
	// RFC 4954, Section 4: a second AUTH MUST be rejected with 503.
	return withText(replyBadSequence(), "Already authenticated")
}

func replyAuthInTransaction() *policy.Reply {
	// RFC 4954, Section 4: AUTH during a mail transaction MUST be
	// rejected with 503.
	return withText(replyBadSequence(), "AUTH not permitted during a mail transaction")
}

func replyBareCR() *policy.Reply {
	return withErr(replyMessageInvalid("Message contains a bare CR; lines must end with CRLF (RFC 5321, Section 2.3.8)"), header.ErrBareCR)
}

func replyBareLF() *policy.Reply {
	return withErr(replyMessageInvalid("Message contains a bare LF; lines must end with CRLF (RFC 5321, Section 2.3.8)"), header.ErrBareLF)
}

func replyNUL() *policy.Reply {
	return withErr(replyMessageInvalid("Message contains a NUL octet; only BODY=BINARYMIME may carry one (RFC 2045, Section 2.7 and 2.8; RFC 3030)"), header.ErrNUL)
}

func replyLineTooLong() *policy.Reply {
	return withErr(replyMessageInvalid("Message line longer than 1000 octets (RFC 5321, Section 4.5.3.1.6)"), header.ErrLineTooLong)
}

func reply8Bit() *policy.Reply {
	// 554 with X.6.1 "Media not supported" (RFC 3463, Section 3.7): 8-bit
	// content over a transaction declared 7-bit.
	return &policy.Reply{
		Code:     554,
		Enhanced: "5.6.1",
		Text:     "8-bit data requires BODY=8BITMIME (RFC 6152)",
		Err:      err8Bit,
	}
}

// reply8BitHeader is 554 5.6.1 for 8-bit octets in the header without
// SMTPUTF8 (RFC 6532, Section 3): unlike a body, a header cannot be
// converted to 7 bits for the next hop (RFC 6409, Section 8.4), so it is
// refused even though undeclared 8-bit bodies are accepted.
func reply8BitHeader() *policy.Reply {
	return &policy.Reply{
		Code:     554,
		Enhanced: "5.6.1",
		Text:     "8-bit octets in the message header require SMTPUTF8 (RFC 6532); encode them (RFC 2047)",
		Err:      errors.Join(err8Bit, header.ErrNotASCII),
	}
}

// replyDowngrade is the reply for an error of [Downgrade]: 554, a valid
// reply to the end of data (RFC 5321, Section 4.3.2), with X.6.3
// "conversion required but not supported" (RFC 3463, Section 3.7).
func replyDowngrade(err error) *policy.Reply {
	text := "Message cannot be converted to 7-bit for the next hop"
	switch {
	case errors.Is(err, errDowngradeHeader):
		text = "8-bit header field cannot be converted to 7-bit for the next hop (RFC 6152)"
	case errors.Is(err, errDowngradeEncoding):
		text = "8-bit content cannot be converted to 7-bit for the next hop (RFC 6152)"
	}
	return &policy.Reply{Code: 554, Enhanced: "5.6.3", Text: text, Err: err}
}

// headerSyntaxErrors are the errors of [header.Read] that mean the client
// sent a malformed header (554 5.6.0).
var headerSyntaxErrors = [...]error{
	header.ErrBareLF, header.ErrBareCR, header.ErrLineTooLong,
	header.ErrSyntax, header.ErrNUL, header.ErrNotASCII,
}

// ReplyFor maps any error to the reply a client is sent for it at stage.
// It is the one place where msakit picks a reply for an error that did not
// arrive as a reply (DESIGN.md, "Decisions"). Every error a
// Session returns has been through it already; a server adapter calls it
// for errors of its own (its queue, its protocol glue, a path it parsed
// with package envelope), so that the client gets the same replies and no
// internal text. Rules, first match wins:
//
//   - nil gives nil.
//   - A callback that returned after its stage's deadline
//     (Config.StageTimeout), whatever it returned, gives 451 4.4.3 at MAIL,
//     RCPT and DATA (RFC 3463, Section 3.5; see Config.StageTimeout) and
//     454 4.7.0 at AUTH; internal is true, and err names the callback.
//   - A [*policy.Reply] anywhere in the chain of err (found with
//     errors.As) passes through unchanged when [policy.Reply.Valid]
//     accepts it. An invalid one (code not 4xx/5xx, malformed enhanced
//     code, CR, LF or other control characters in the text) becomes
//     451 4.3.0, and internal reports true.
//   - Context errors (cancelled, deadline) become 451 4.3.0 at MAIL, RCPT
//     and DATA and 454 4.7.0 at AUTH; internal is true.
//   - A failure of the [LimitStore] that a Session met while failing
//     closed becomes the same 451 4.3.0 or 454 4.7.0 with Policy
//     "limit-store", so that logs and an [Observer] tell this outage from
//     other internal errors; internal is true.
//   - At AUTH, [auth] errors become the replies of RFC 4954, Sections 4
//     and 6: 535 5.7.8, 534 5.7.9, 538 5.7.11, 454 4.7.0 (internal),
//     501 5.5.2, 500 5.5.6, 504 5.5.4; any other error 454 4.7.0
//     (internal). At other stages an auth error (say, a sender directory
//     that is down) is internal like any other.
//   - [envelope] parse errors become 501 5.1.7 at MAIL and 501 5.1.3 at
//     RCPT (RFC 6409, Section 5.1; RFC 3463, Section 3.2), and 554 5.6.0 at
//     DATA. (A non-ASCII address without SMTPUTF8 parses; the profile's
//     require-smtputf8 refuses it, 550 5.6.7 at MAIL and 553 5.6.7 at RCPT,
//     RFC 6531, Section 3.5.)
//   - [header] errors: ErrTooBig becomes 552 5.3.4 (RFC 1870, RFC 3463
//     Section 3.4); every other header error 554 5.6.0 (RFC 6409,
//     Sections 5.1 and 6.3).
//   - The refusals of [Downgrade] (an 8-bit header field, 8-bit content
//     that cannot be encoded, a bound) become 554 5.6.3 (RFC 3463,
//     Section 3.7; RFC 6152, Section 3).
//   - Anything else becomes 451 4.3.0 "local error in processing" at
//     MAIL, RCPT and DATA (RFC 5321, Section 4.2.3) and 454 4.7.0 at AUTH
//     (RFC 4954, Section 6), with internal true.
//
// When internal is true the caller must log err at Error level; its text is
// never part of the reply. The returned reply is always valid.
func ReplyFor(stage Stage, err error) (r *policy.Reply, internal bool) {
	if err == nil {
		return nil, false
	}
	if o, ok := errors.AsType[*overrunError](err); ok {
		if stage == StageAuth {
			return withErr(replyAuthTemporaryFailure(), err), true
		}
		r := withErr(replyOverrun(), err)
		r.Policy = o.policy
		return r, true
	}
	if rp, ok := errors.AsType[*policy.Reply](err); ok {
		if rp.Valid() == nil {
			return rp, false
		}
		return localError(stage, err), true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return localError(stage, err), true
	}
	if isStoreError(err) {
		return replyStoreDown(stage, err), true
	}
	if stage == StageAuth {
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			return withErr(replyAuthInvalid(), err), false
		case errors.Is(err, auth.ErrMechanismTooWeak):
			return withErr(replyAuthMechanismTooWeak(), err), false
		case errors.Is(err, auth.ErrEncryptionRequired):
			return withErr(replyAuthEncryptionRequired(), err), false
		case errors.Is(err, auth.ErrTemporary):
			// A temporary failure is logged: its cause is on our side.
			return withErr(replyAuthTemporaryFailure(), err), true
		case errors.Is(err, auth.ErrMalformed):
			return withErr(replyAuthMalformed(), err), false
		case errors.Is(err, auth.ErrResponseTooLong):
			return withErr(replyAuthLineTooLong(), err), false
		case errors.Is(err, auth.ErrUnsupported):
			return withErr(replyAuthUnsupported(), err), false
		}
		return localError(stage, err), true
	}
	if isEnvelopeError(err) {
		switch stage {
		case StageMail:
			return withErr(replyBadSenderSyntax(), err), false
		case StageRcpt:
			return withErr(replyBadRecipientSyntax(), err), false
		case StageData:
			return withErr(replyHeaderInvalid("Invalid address in message header"), err), false
		}
	}
	if errors.Is(err, header.ErrTooBig) {
		return withErr(withText(replyMessageTooBig(), "Message header too big"), err), false
	}
	for _, h := range headerSyntaxErrors {
		if errors.Is(err, h) {
			return withErr(replyHeaderInvalid(headerText(err)), err), false
		}
	}
	if errors.Is(err, errDowngradeHeader) || errors.Is(err, errDowngradeEncoding) || errors.Is(err, errDowngradeLimit) {
		return replyDowngrade(err), false
	}
	return localError(stage, err), true
}

// clientReadError classifies an error met while reading the client's
// message. An error that ReplyFor maps to a client reply (a valid reply,
// a header error) passes unchanged. Anything else is an I/O error of the
// client's connection (it closed, a read deadline passed, the server's own
// reader refused the data): 451 4.3.0 like an internal error, but logged as
// client-caused, through the rate limit, so that a client that keeps
// dropping its connection cannot flood the log at Error level (RFC 6409,
// Section 5.2).
func clientReadError(err error) error {
	if _, internal := ReplyFor(StageData, err); !internal {
		return err
	}
	return withErr(replyLocalError(), fmt.Errorf("submission: reading the message: %w", err))
}

// headerText is the client text for a malformed header; it names the kind
// of problem but not the client's bytes.
func headerText(err error) string {
	switch {
	case errors.Is(err, header.ErrBareLF):
		return "Message header contains a bare LF; lines must end with CRLF (RFC 5321, Section 2.3.8)"
	case errors.Is(err, header.ErrBareCR):
		return "Message header contains a bare CR; lines must end with CRLF (RFC 5321, Section 2.3.8)"
	case errors.Is(err, header.ErrLineTooLong):
		return "Message header line longer than 998 octets (RFC 5322, Section 2.1.1)"
	case errors.Is(err, header.ErrNUL):
		return "Message header contains a NUL octet"
	case errors.Is(err, header.ErrNotASCII):
		return "Non-ASCII message header requires SMTPUTF8 (RFC 6532)"
	}
	var se *header.SyntaxError
	if errors.As(err, &se) && se.Line > 0 {
		return "Message header syntax error (RFC 5322, Section 2.2)"
	}
	return "Message header syntax error"
}

func isEnvelopeError(err error) bool {
	if _, ok := errors.AsType[*envelope.ParseError](err); ok {
		return true
	}
	return errors.Is(err, envelope.ErrSyntax) || errors.Is(err, envelope.ErrTooLong) ||
		errors.Is(err, envelope.ErrIDNA)
}

// localError is the generic reply for an internal failure at stage.
func localError(stage Stage, err error) *policy.Reply {
	if stage == StageAuth {
		return withErr(replyAuthTemporaryFailure(), err)
	}
	return withErr(replyLocalError(), err)
}
