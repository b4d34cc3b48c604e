package policy

// BodyType is the value of the MAIL BODY= parameter (RFC 6152, Section 2;
// RFC 3030, Section 3).
type BodyType string

// BODY= values.
const (
	// Body7Bit is BODY=7BIT, the default when BODY= is absent (RFC 6152,
	// Section 2).
	Body7Bit BodyType = "7BIT"
	// Body8BitMIME is BODY=8BITMIME (RFC 6152, Section 2).
	Body8BitMIME BodyType = "8BITMIME"
	// BodyBinaryMIME is BODY=BINARYMIME (RFC 3030, Section 3).
	BodyBinaryMIME BodyType = "BINARYMIME"
)

// MailOptions are the MAIL FROM parameters (RFC 5321, Section 4.1.1.2, and
// the extensions cited on each field). The zero value means "no parameters".
type MailOptions struct {
	// Size is SIZE= (RFC 1870, Section 6); 0 means not given.
	Size int64
	// Body is BODY= (RFC 6152, RFC 3030); "" means not given, that is 7BIT.
	Body BodyType
	// SMTPUTF8 reports the SMTPUTF8 parameter (RFC 6531, Section 3.4).
	SMTPUTF8 bool
	// Auth is the AUTH= parameter (RFC 4954, Section 5), "" when not given;
	// "<>" when the client sent AUTH=<>.
	Auth string
	// Return is RET= (RFC 3461, Section 4.3): "FULL" or "HDRS", "" when not
	// given.
	Return string
	// EnvelopeID is ENVID= (RFC 3461, Section 4.4), "" when not given.
	EnvelopeID string
	// RequireTLS reports the REQUIRETLS parameter (RFC 8689, Section 4).
	RequireTLS bool
}

// RcptOptions are the RCPT TO parameters (RFC 5321, Section 4.1.1.3).
type RcptOptions struct {
	// Notify holds the NOTIFY= values (RFC 3461, Section 4.1), nil when not
	// given.
	Notify []string
	// OriginalRecipient is ORCPT= (RFC 3461, Section 4.2), "" when not
	// given.
	OriginalRecipient string
}
