package envelope

// Limits of RFC 5321, Section 4.5.3.1, in octets. With SMTPUTF8 (RFC 6531,
// Section 3.3) the octets are those of the UTF-8 form.
const (
	// maxLocalPartLen is the longest local part, counted as written (with
	// its quotes and backslashes): RFC 5321, Section 4.5.3.1.1.
	maxLocalPartLen = 64

	// maxDomainLen is the longest domain or address literal: RFC 5321,
	// Section 4.5.3.1.2. A DNS name is further held to 253 octets
	// (maxDNSNameLen), the 255-octet wire form of RFC 1035, Section 2.3.4,
	// less its length and root octets.
	maxDomainLen = 255

	// maxPathLen is the longest reverse-path or forward-path, angle brackets
	// included: RFC 5321, Section 4.5.3.1.3. A Mailbox is therefore at most
	// maxPathLen-2 = 254 octets (RFC 5321 erratum 1690).
	maxPathLen = 256
)

const (
	// maxLabelLen is the longest DNS label (RFC 1035, Section 2.3.4).
	maxLabelLen = 63

	// maxDNSNameLen is the longest DNS name in text form without the
	// trailing dot (RFC 1035, Section 2.3.4), the same bound the idna
	// profile applies with VerifyDNSLength.
	maxDNSNameLen = 253

	// maxMailboxLen is the longest Mailbox: a path less its two brackets.
	maxMailboxLen = maxPathLen - 2

	// maxDomainInput bounds the input ParseDomain looks at. A U-label form
	// takes at most 4 UTF-8 octets per A-label octet, so no valid name is
	// longer; anything longer is refused before IDNA mapping runs.
	maxDomainInput = 4 * maxDomainLen
)
