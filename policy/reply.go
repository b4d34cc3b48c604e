package policy

import (
	"errors"
	"strconv"
	"strings"
)

// Reply is an SMTP reply that rejects a command: a basic reply code (RFC
// 5321, Section 4.2), an enhanced status code (RFC 3463, Section 2) and one
// line of text for the client. It is the only error type that carries SMTP
// codes in msakit; match it with errors.As.
//
// Enhanced holds the full enhanced status code as it is written, "5.7.1":
// class, subject and detail (RFC 3463, Section 2). Its class digit must be
// Code/100, so "550 4.7.1" or a bare "7.1" is not a valid reply ([Reply.Valid]
// says why, and submission answers 451 4.3.0 instead of sending it). An empty
// Enhanced means X.0.0, the "other or undefined" status of the reply's class
// (RFC 3463, Section 3.1). So
//
//	&policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Not for you"}
//
// reaches the client as "550 5.7.1 Not for you".
//
// Text is shown to the client; Err is the internal cause, for logs and
// errors.Is, and is never sent. Policy names the policy that decided; a
// [Chain] fills it in when a member leaves it empty.
//
// Build a fresh Reply for each use: a Reply is a plain value, and sharing
// one *Reply between goroutines that change it is a data race (a [Chain]
// copies a reply before it sets Policy, so a policy may return a shared
// one).
type Reply struct {
	Code     int    // 4xx or 5xx, RFC 5321, Section 4.2
	Enhanced string // full code, e.g. "5.7.1"; class must be Code/100; "" = X.0.0
	Text     string // one line for the client: printable US-ASCII, no CR/LF
	Err      error  // internal cause, for logs and errors.Is; never sent
	Policy   string // name of the policy that decided, "" if none
}

// MaxTextLen bounds Reply.Text so that the whole reply line, "550 5.7.1 "
// plus text plus CRLF, stays within the 512 octets of RFC 5321, Section
// 4.5.3.1.5. 20 octets are kept for the codes, the separators and CRLF.
const MaxTextLen = 512 - 20

// Error returns the reply for logs: code, enhanced code, text, the deciding
// policy and the internal cause. It is not the wire form of RFC 5321,
// Section 4.2; use [Reply.Line].
func (r *Reply) Error() string {
	var b strings.Builder
	b.WriteString(r.Line())
	if r.Policy != "" {
		b.WriteString(" [policy ")
		b.WriteString(r.Policy)
		b.WriteString("]")
	}
	if r.Err != nil {
		b.WriteString(": ")
		b.WriteString(r.Err.Error())
	}
	return b.String()
}

// Line returns the reply line as sent to the client, without CRLF:
// "530 5.7.0 Authentication required" (RFC 5321, Section 4.2; RFC 2034,
// Section 4). It never includes Err.
func (r *Reply) Line() string {
	return strconv.Itoa(r.Code) + " " + r.EnhancedCode() + " " + r.Text
}

// Unwrap returns the internal cause, Err, so that errors.Is and errors.As
// see through a reply to the error a policy put in it (a directory's
// error, a sentinel of its own). The cause is never part of the reply line
// (RFC 5321, Section 4.2).
func (r *Reply) Unwrap() error { return r.Err }

// EnhancedCode returns the enhanced status code sent with the reply:
// Enhanced, or "X.0.0" of the reply's class when Enhanced is empty (RFC 3463,
// Sections 2 and 3.1; RFC 2034, Section 4 wants one on every reply).
func (r *Reply) EnhancedCode() string {
	if r.Enhanced == "" {
		return strconv.Itoa(r.Code/100) + ".0.0"
	}
	return r.Enhanced
}

// Errors returned by [Reply.Valid]: the code is not a negative reply (RFC
// 5321, Section 4.2.1: 4yz or 5yz); Enhanced is not "class.subject.detail"
// with the class of Code (RFC 3463, Section 2); Text is empty, longer than
// MaxTextLen, or holds a character outside the RFC 5321 textstring
// (Sections 4.2 and 4.5.3.1.5).
var (
	errReplyCode     = errors.New("policy: reply code is not 4xx or 5xx")
	errReplyEnhanced = errors.New("policy: malformed enhanced status code")
	errReplyText     = errors.New("policy: reply text is empty, too long or not printable US-ASCII")
)

// Valid reports whether r may be sent to a client: Code is 4xx or 5xx (RFC
// 5321, Section 4.2), Enhanced is empty or "class.subject.detail" whose class
// is Code/100, with a subject 0 to 7 and a detail of 1 to 3 digits without
// leading zeros (RFC 3463, Section 2), and Text is a non-empty RFC 5321 textstring of at most
// [MaxTextLen] octets: HT, SP and printable US-ASCII only (RFC 5321, Section
// 4.2), so no CR or LF can end the line early and no UTF-8 reaches a client
// that did not ask for SMTPUTF8 (RFC 6531, Section 3.7.4). It returns nil, or
// an error that says which of the three is wrong.
//
// Valid checks the form only; whether a detail code is registered is a
// matter for msakit's own table test of the replies it sends. submission
// calls Valid on every *Reply before sending it and replaces an invalid one
// with 451 4.3.0.
func (r *Reply) Valid() error {
	if r == nil {
		return errReplyCode
	}
	if r.Code < 400 || r.Code > 599 {
		return errReplyCode
	}
	if r.Enhanced != "" && !validEnhanced(r.Enhanced, r.Code/100) {
		return errReplyEnhanced
	}
	if r.Text == "" || len(r.Text) > MaxTextLen {
		return errReplyText
	}
	for i := 0; i < len(r.Text); i++ {
		if c := r.Text[i]; c != '\t' && (c < 0x20 || c > 0x7e) {
			return errReplyText
		}
	}
	return nil
}

// validEnhanced checks "class.subject.detail": class the digit of the basic
// code's class (RFC 3463, Section 2: "2", "4" or "5", and it must agree with
// the reply), subject one digit 0-7 (RFC 3463, Sections 3.1-3.8), detail 1-3
// digits without a leading zero (RFC 3463, Section 2: "1*3digit").
func validEnhanced(s string, class int) bool {
	if len(s) < 5 || int(s[0]-'0') != class || s[1] != '.' || s[2] < '0' || s[2] > '7' || s[3] != '.' {
		return false
	}
	d := s[4:]
	if len(d) > 3 || (len(d) > 1 && d[0] == '0') {
		return false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return false
		}
	}
	return true
}
