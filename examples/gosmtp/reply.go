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
	// go-smtp's DATA reader stops at Server.MaxMessageBytes with
	// ErrDataTooLarge; msakit reports that read error as 451 4.3.0, but
	// the client must hear 552 5.3.4 (RFC 1870, Section 6.3).
	if errors.Is(err, smtp.ErrDataTooLarge) {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4},
			Message: "Message size exceeds fixed maximum message size"}, true
	}
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

// localError is msakit's reply to an internal error, 451 4.3.0 (RFC 5321,
// Section 4.2.3).
func localError() *smtp.SMTPError {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Local error in processing, try again later"}
}

// fromReply converts a reply that [policy.Reply.Valid] accepts: a 4xx or
// 5xx code (RFC 5321, Section 4.2), an enhanced code of the code's class
// (RFC 3463, Section 2), one line of text.
func fromReply(r *policy.Reply) (*smtp.SMTPError, bool) {
	if r.Valid() != nil {
		return nil, false
	}
	parts := strings.Split(r.EnhancedCode(), ".")
	if len(parts) != 3 {
		return nil, false
	}
	var ec smtp.EnhancedCode
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > 999 {
			return nil, false
		}
		ec[i] = n
	}
	return &smtp.SMTPError{Code: r.Code, EnhancedCode: ec, Message: r.Text}, true
}
