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
// go-message is used for what it does well: decoding RFC 2047 words.
//
// # Divergences
//
//   - A NUL octet is refused ([ErrNUL]) although RFC 5322, Section 4.1 lists
//     it in obsolete unstructured text; RFC 5321, Section 4.5.2 and most
//     receivers treat it as unsafe.
//   - A line that is neither a field nor a continuation is refused
//     ([ErrSyntax]) instead of being taken as the start of a body without
//     the empty separator line (a repairing parser's guess).
//   - The end of the input counts as the end of the header: a message with
//     no body and no empty line is accepted, its last line may lack CRLF,
//     and WriteTo reproduces it without adding one (see
//     [Header.HasSeparator]).
//   - New fields never carry C1 control characters (U+0080 to U+009F),
//     although RFC 6532, Section 3.2 does not exclude them.
package header
