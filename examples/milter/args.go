package milter

import (
	"strconv"
	"strings"

	"github.com/msakit/msakit/policy"
)

// maxArgs bounds how many ESMTP parameters of one MAIL or RCPT command are
// looked at. RFC 5321 sets no limit; the MTA has already parsed the
// command line, which it bounds (Postfix: line_length_limit), and no
// extension msakit knows needs more than a handful.
const maxArgs = 32

// mailOptions returns the MAIL FROM parameters (RFC 5321, Section
// 4.1.1.2) in args, the esmtp-params as the MTA passed them, separated by
// spaces (go-milter joins the MTA's NUL-separated list with spaces; an
// esmtp-value holds no space). Keywords compare case-insensitively (RFC
// 5321, Section 2.4); when a keyword is repeated the last one counts, as
// in Postfix.
//
// The MTA has validated and accepted every parameter before the milter
// sees it, so a parameter this function does not know, or cannot read, is
// ignored rather than refused: SIZE that is not a number, BODY with an
// unknown value, an xtext that does not decode.
func mailOptions(args string) policy.MailOptions {
	var o policy.MailOptions
	for kw, val := range params(args) {
		switch {
		case strings.EqualFold(kw, "SIZE"):
			// RFC 1870, Section 6: size-value ::= 1*20DIGIT.
			if n, err := strconv.ParseInt(val, 10, 64); err == nil && n >= 0 && isDigits(val) {
				o.Size = n
			}
		case strings.EqualFold(kw, "BODY"):
			// RFC 6152, Section 2; RFC 3030, Section 3.
			for _, b := range []policy.BodyType{policy.Body7Bit, policy.Body8BitMIME, policy.BodyBinaryMIME} {
				if strings.EqualFold(val, string(b)) {
					o.Body = b
				}
			}
		case strings.EqualFold(kw, "SMTPUTF8"):
			o.SMTPUTF8 = true // RFC 6531, Section 3.4
		case strings.EqualFold(kw, "AUTH"):
			// RFC 4954, Section 5: AUTH=<> or AUTH=xtext.
			if v, ok := decodeXtext(val); ok && v != "" {
				o.Auth = v
			}
		case strings.EqualFold(kw, "RET"):
			// RFC 3461, Section 4.3.
			if strings.EqualFold(val, "FULL") || strings.EqualFold(val, "HDRS") {
				o.Return = strings.ToUpper(val)
			}
		case strings.EqualFold(kw, "ENVID"):
			// RFC 3461, Section 4.4: xtext.
			if v, ok := decodeXtext(val); ok {
				o.EnvelopeID = v
			}
		case strings.EqualFold(kw, "REQUIRETLS"):
			o.RequireTLS = true // RFC 8689, Section 4
		}
	}
	return o
}

// rcptOptions returns the RCPT TO parameters (RFC 5321, Section 4.1.1.3)
// in args, read as mailOptions reads MAIL's: NOTIFY= (RFC 3461, Section
// 4.1) and ORCPT= (RFC 3461, Section 4.2), whose xtext is decoded and kept
// after its address type and a semicolon, "rfc822;bob@example.org", as the
// go-smtp adapter does.
func rcptOptions(args string) policy.RcptOptions {
	var o policy.RcptOptions
	for kw, val := range params(args) {
		switch {
		case strings.EqualFold(kw, "NOTIFY"):
			o.Notify = o.Notify[:0]
			for n := range strings.SplitSeq(val, ",") {
				if n != "" && len(o.Notify) < maxArgs {
					o.Notify = append(o.Notify, strings.ToUpper(n))
				}
			}
		case strings.EqualFold(kw, "ORCPT"):
			typ, addr, ok := strings.Cut(val, ";")
			if v, dok := decodeXtext(addr); ok && dok && typ != "" {
				o.OriginalRecipient = typ + ";" + v
			}
		}
	}
	return o
}

// params yields the keyword and value of each parameter in args, at most
// maxArgs of them; a parameter without "=" has the value "".
func params(args string) func(yield func(kw, val string) bool) {
	return func(yield func(kw, val string) bool) {
		n := 0
		for p := range strings.FieldsSeq(args) {
			if n++; n > maxArgs {
				return
			}
			kw, val, _ := strings.Cut(p, "=")
			if !yield(kw, val) {
				return
			}
		}
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// decodeXtext decodes xtext (RFC 3461, Section 4): "+" and two upper-case
// hex digits stand for one octet. It reports false for a "+" not followed
// by two hex digits, and for an octet outside "!" to "~".
func decodeXtext(s string) (string, bool) {
	if !strings.Contains(s, "+") {
		for i := 0; i < len(s); i++ {
			if s[i] < '!' || s[i] > '~' {
				return "", false
			}
		}
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '+':
			if i+2 >= len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", false
			}
			b = append(b, byte(v))
			i += 2
		case c < '!' || c > '~':
			return "", false
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}
