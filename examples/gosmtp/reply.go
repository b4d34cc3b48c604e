package gosmtp

import (
	"errors"
	"strconv"
	"strings"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/policy"
)

// ToSMTPError turns an error from msakit into the reply go-smtp writes.
//
// A *policy.Reply anywhere in err's chain keeps its code, enhanced status
// code (RFC 3463) and text. go-smtp's own *smtp.SMTPError values (its
// ErrDataTooLarge, 552 5.3.4, RFC 1870) pass through. Anything else, and a
// reply that could not be written as one valid line, becomes
// 451 4.3.0 "Local error in processing" (RFC 5321, Section 4.2.3), so no
// internal error text reaches the client. The result is never nil for a
// non-nil err.
func ToSMTPError(err error) *smtp.SMTPError {
	e, _ := toSMTPError(err)
	return e
}

// toSMTPError is ToSMTPError that also says whether err was a reply
// (known) rather than an internal error worth logging.
func toSMTPError(err error) (*smtp.SMTPError, bool) {
	if r, ok := errors.AsType[*policy.Reply](err); ok {
		if e, ok := fromReply(r); ok {
			return e, true
		}
		return localError(), false
	}
	if se, ok := errors.AsType[*smtp.SMTPError](err); ok {
		return &smtp.SMTPError{Code: se.Code, EnhancedCode: se.EnhancedCode, Message: se.Message}, true
	}
	return localError(), false
}

func localError() *smtp.SMTPError {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Local error in processing"}
}

// fromReply converts a reply, refusing what RFC 5321, Section 4.2 and RFC
// 3463, Section 2 do not allow: a code outside 4xx/5xx, a malformed or
// class-mismatched enhanced code, a CR or LF in the text.
func fromReply(r *policy.Reply) (*smtp.SMTPError, bool) {
	if r.Code < 400 || r.Code > 599 || strings.ContainsAny(r.Text, "\r\n") {
		return nil, false
	}
	parts := strings.Split(r.EnhancedCode(), ".")
	if len(parts) != 3 {
		return nil, false
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		if p == "" || len(p) > 3 {
			return nil, false
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, false
		}
		ec[i] = n
	}
	if ec[0] != r.Code/100 {
		return nil, false
	}
	text := r.Text
	if text == "" {
		text = "Requested action not taken"
		if r.Code/100 == 4 {
			text = "Requested action aborted"
		}
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: text}, true
}
