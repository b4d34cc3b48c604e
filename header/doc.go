// Package header reads, checks and edits the header of an Internet message
// (RFC 5322, RFC 6532) for a message submission agent (RFC 6409), keeping
// every field it does not change byte for byte.
//
// [Read] takes the header block from the DATA stream, bounded in size, field
// count and line length, refuses bare CR, bare LF and NUL in the raw bytes,
// and leaves the body unread in the [bufio.Reader]. The resulting [Header]
// allows three edits only: prepend a field, replace a field in place, delete
// a field. [Header.WriteTo] writes every untouched field exactly as read.
//
// The value parsers and builders cover the fields an MSA looks at or adds:
// address lists ([ParseAddressList], RFC 5322, Section 3.4, with groups,
// comments, obsolete forms, RFC 6532 UTF-8 and RFC 2047 encoded-words in
// display names), dates ([ParseDate], [FormatDate], RFC 5322, Section 3.3),
// message identifiers ([ParseMessageID], [NewMessageID], RFC 5322,
// Section 3.6.4) and the Received trace field ([Received], RFC 5321,
// Section 4.4, RFC 3848, RFC 6531, RFC 8314).
//
// The package never decides whether a message is acceptable: it reports
// what it finds with typed errors ([ErrSyntax], [ErrBareLF], ... and
// [*SyntaxError]) and leaves the decision to the policy package.
//
// RFCs: RFC 5322 (message format), RFC 6532 (internationalized headers),
// RFC 2047 (encoded-words), RFC 5321, Section 4.4 (trace fields), RFC 3848
// and RFC 6531, Section 4.3 (the "with" keywords), RFC 8314 (TLS), RFC 6409
// (submission), RFC 6376, Section 5.4.2 (why fields are never moved).
//
// # Design notes
//
// Read is its own raw splitter rather than go-message's
// textproto.ReadHeader, which the design once suggested: ReadHeader rewrites
// LF-only lines to CRLF (so the evidence of a bare LF is gone before anyone
// can see it), has no bound on size, field count or line length, and its
// header can only insert at the top (Set moves a field there). Read keeps
// the whole block in one buffer and each [Field] is a slice of it, so a
// header read and written without edits costs one buffer and one Write.
//
// The value parsers are hand-written scanners over the unfolded value
// rather than go-message/mail (which is net/mail): net/mail drops the
// obsolete-syntax information, takes comments for names, knows three
// charsets, and neither bounds comment nesting nor list length. RFC 2047
// words are decoded with the standard library's [mime.WordDecoder] and
// charsets from golang.org/x/text (IANA and WHATWG names), not with
// go-message/charset, whose import sets a package variable of go-message as
// a side effect. go-message remains the baseline of the benchmarks.
//
// Every parser is bounded (4096 octets for a date or message identifier,
// 1 MiB and 2000 mailboxes for an address list, comments nested 32 deep),
// never backs up, and so runs in time
// linear in its input. All functions are safe for concurrent use; a
// [Header] is not, while it is being edited.
//
// # Divergences
//
// Where this package departs from the letter of an RFC, or from what other
// libraries do, on purpose:
//
//   - Read refuses a NUL octet ([ErrNUL]), although RFC 5322, Section 4.1
//     lists it in obsolete unstructured text; RFC 5321, Section 4.5.2 and
//     most receivers treat it as unsafe.
//   - Read refuses a line that is neither a field nor a continuation line
//     ([ErrSyntax]) instead of taking it as the start of a body without the
//     empty separator line (a repairing parser's guess), and refuses field
//     names with characters outside ftext (RFC 5322, Section 3.6.8).
//   - The end of the input counts as the end of the header: a message with
//     no body and no empty line is accepted, its last line may lack CRLF,
//     and WriteTo reproduces it without adding one (see
//     [Header.HasSeparator]).
//   - New fields never carry C1 control characters (U+0080 to U+009F), and
//     RFC 2047 encoded-words that decode to control characters are refused,
//     although RFC 6532, Section 3.2 does not exclude them.
//   - ParseDate refuses a day of week that does not match the date (RFC 5322,
//     Section 3.3 says it MUST match; net/mail does not check), years
//     outside 1900-9999, numeric zones beyond ±23:59, and the zone name
//     "UTC", which is not in the obs-zone list of RFC 5322, Section 4.3. A
//     leap second (second 60) comes back as second 59.
//   - The address parsers never take a comment as a display name (net/mail
//     does, for "addr (Name)"): RFC 5322, Section 3.2.2 gives comments no
//     meaning, and a name is where spoofing hides.
//   - An encoded-word inside a quoted-string is not decoded (RFC 2047,
//     Section 5 (3)); many mail readers decode it anyway.
//   - An address list must name at least one address or group
//     ([ParseAddressList] refuses an empty value); an empty Bcc is the
//     caller's special case. [ParseAddress] (one mailbox, for Sender)
//     refuses groups; From is parsed with ParseAddressList, as RFC 6854
//     allows a group there.
//   - The Received field records the TLS cipher suite in the "tls" clause of
//     RFC 8314, Section 4.3, and the TLS version only in a comment: the
//     clause is defined for the cipher suite, not the version.
//   - The Received field always has a "with" clause, derived from the
//     session (RFC 5321 makes it optional), and leaves out a "for" clause it
//     cannot write (a UTF-8 recipient without SMTPUTF8, RFC 6531, Section
//     3.7.3) rather than fail: RFC 5321, Section 4.4 wants the field on
//     every message.
package header
