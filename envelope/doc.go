// Package envelope parses and formats the SMTP envelope: the reverse-path of
// MAIL FROM, the forward-paths of RCPT TO, the mailboxes inside them and their
// domains. It is the lowest floor of msakit; it does no I/O, keeps no state
// and knows no SMTP reply codes (the caller maps a [ParseError] to one).
//
// The three value types are comparable and safe for concurrent use:
//
//   - [Domain]: a domain name or address literal, kept in an ASCII form
//     (A-labels, lower case) and a Unicode form (U-labels). Parsed by
//     [ParseDomain].
//   - [Mailbox]: a decoded local part and a Domain. Parsed by [ParseMailbox],
//     built by [NewMailbox], written back by [Mailbox.String].
//   - [Path]: exactly one of a Mailbox, the null path "<>" or "<Postmaster>".
//     Parsed by [ParseReversePath] and [ParseForwardPath], built from a
//     mailbox by [NewPath].
//
// [SplitSubaddress] splits "user+tag" local parts. [MustParseDomain] and
// [MustParseMailbox] are for literals in configuration code: they panic on
// a bad one, so a typo stops the program at start.
//
// # Standards
//
//   - RFC 5321 (SMTP): Section 4.1.2 (path, mailbox and domain grammar),
//     Section 4.1.3 (address literals), Section 4.1.1.3 (<Postmaster>, source
//     routes), Section 4.5.3.1 (size limits), Section 2.3.5 (domain names),
//     Appendix C (source routes).
//   - RFC 6531 (SMTPUTF8): Section 3.3, UTF-8 in local parts and domains.
//   - RFC 5890, RFC 5891, RFC 5893 (IDNA2008) through golang.org/x/net/idna
//     with UTS #46 lookup mapping (non-transitional), STD3 rules, the Bidi
//     rule and DNS length checks.
//   - RFC 1035, Section 2.3.4 (label and name lengths).
//   - RFC 6409, Section 4.2 (fully-qualified domains, see
//     [Domain.IsFullyQualified]), judged without DNS against the top-level
//     domains of the ICANN section of the public suffix list, through
//     golang.org/x/net/publicsuffix, and the special-use names of RFC 2606
//     and RFC 6761.
//   - RFC 5233 (subaddressing, see [SplitSubaddress]).
//
// # Errors
//
// Every error is a *[ParseError] with the byte offset of the problem. Its
// Kind is one of the sentinels [ErrSyntax], [ErrTooLong] and [ErrIDNA],
// matched with [errors.Is]. UTF-8 is always accepted (RFC 6531, Section
// 3.3); [Mailbox.IsASCII] and [Path.IsASCII] tell whether an address needs
// SMTPUTF8.
//
// # Performance
//
// Parsers run in time linear in their input and stop early at the length
// limits, so hostile inputs cost little. An ASCII mailbox with an LDH domain
// in lower case is parsed without allocating; the idna package is only
// involved for names with non-ASCII octets or A-labels.
//
// # Divergences
//
// Where this package departs from a literal reading of the RFCs:
//
//   - A DNS name is limited to 253 octets in ASCII form (RFC 1035,
//     Section 2.3.4), not the 255 of RFC 5321, Section 4.5.3.1.2; a longer
//     name cannot be looked up. Address literals may have 255.
//   - A dotted quad without brackets ("192.0.2.1") is refused. The RFC 5321
//     Domain grammar would read it as a name with a numeric top-level label,
//     but RFC 5321, Section 4.1.3 says an address must be written as a
//     literal, and no such name can exist (RFC 3696, Section 2).
//   - A label must not begin or end with a hyphen, in U-label form as well
//     (RFC 5891, Section 4.2.3.1), which the UTS #46 profile alone does not
//     check. A label with "--" in the third and fourth positions must be an
//     A-label ("xn--"): other R-LDH labels are refused, as RFC 5890,
//     Section 2.3.1 says IDNA-aware programs must, although the plain RFC
//     5321 grammar allows them.
//   - Look-alikes are refused, not normalized. A name is checked through
//     the UTS #46 lookup mapping, and refused with [ErrIDNA] when the
//     mapping changes it other than by ASCII case: zero-width and other
//     ignored characters, soft hyphens, full-width or compatibility
//     characters, non-ASCII capitals, unnormalized sequences, and dots other
//     than U+002E (such as U+3002 "。"). Browsers map such input silently;
//     a submission server that did so would check one domain while the
//     message shows readers and later parsers another. ASCII letters may be
//     in either case, and A-labels and U-labels (RFC 5890, Section
//     2.3.2.1) are both accepted.
//   - A trailing dot ("example.org.") is refused: RFC 5321's Domain has no
//     root label.
//   - General address literals ("[tag:content]", RFC 5321, Section 4.1.3)
//     are checked for syntax only; the tag is not looked up in the IANA
//     registry (which lists only IPv6). A literal whose tag is "IPv6" must
//     be a valid IPv6 literal.
//   - In UTF-8 local parts (RFC 6531, Section 3.3) only letters, marks,
//     numbers, punctuation and symbols are accepted, and no combining mark
//     first. Controls (C1 is prohibited by RFC 6530, Section 10.1 after RFC
//     5198), non-ASCII spaces and separators, format characters (bidi
//     overrides, zero-width spaces), private use, noncharacters and code
//     points unassigned in the Go toolchain's Unicode version are refused:
//     RFC 6530, Section 10.1 calls them risky, and a submission server is
//     where they should be stopped. So is U+FFFD (the mark of damaged
//     text), and so is a local part that is not in Unicode NFC, which RFC
//     6532, Section 3.1 says SHOULD be used ("u" followed by U+0308 instead
//     of "ü", U+212B ANGSTROM SIGN, U+037E for ";"): a later normalization
//     would turn the address into another, and to a reader it is a
//     look-alike of the NFC form. It is refused, never normalized, and NFKC
//     is not required (RFC 6532, Section 3.1 says it SHOULD NOT be used), so
//     full-width letters in a local part stay valid. Lengths count the
//     octets as received.
//   - A mailbox must fit in 254 octets with its domain in A-label form and
//     in U-label form, because a relay may convert either way (RFC 6531,
//     Section 3.2).
//   - [Mailbox.IsASCII] looks at the local part only: a U-label domain can
//     always be sent as A-labels.
//   - Source routes are checked against the grammar and dropped (RFC 5321,
//     Section 4.1.1.3 and Appendix C), never kept or used.
//   - Comments, folding white space and the obsolete local-part forms of RFC
//     5322 are refused: they are not part of the RFC 5321 envelope grammar.
//     Header addresses are parsed by package header.
package envelope
