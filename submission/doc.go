// Package submission is a Message Submission Agent (RFC 6409) without
// networking: an SMTP server calls it at its AUTH, MAIL, RCPT and DATA
// hooks and gets back either nil (go on) or a [*policy.Reply] to send.
//
// An [Agent] is built once from a [Config] whose zero value, plus a
// Hostname, is the RFC 6409 profile ([Agent.Profile]); it is safe for
// concurrent use. Each connection gets a [Session]:
//
//	EHLO  Agent.Extensions, Session.SetHelo
//	STARTTLS  Session.SetTLS
//	AUTH  Session.NewSASLServer (or Session.Authenticated)
//	MAIL  Session.Mail
//	RCPT  Session.Rcpt
//	DATA / BDAT  Session.Data, then read the returned reader to its end
//	RSET  Session.Reset
//
// Data reads the header block, runs the DATA policies, prepends a Received
// field (unless the server writes its own: [Session.OmitReceived]), and
// returns the message to queue as a reader that streams the
// body from the client, checking it as it goes (bare CR or LF, line
// length, 8-bit octets, size). At the clean end of the message a
// [TraceRecord] goes to the [TraceSink]. Every error returned by Mail,
// Rcpt, Data, that reader, and the AUTH methods is a *policy.Reply;
// internal failures are logged and answered 451 4.3.0 (454 4.7.0 at AUTH),
// see [ReplyFor].
//
// # Standards
//
//   - RFC 6409 (Message Submission for Mail): Sections 3.2-3.3, 4.1-4.3,
//     5.1-5.2, 6.1-6.4, 7 ([Agent.Extensions], [AuditExtensions]),
//     8.2-8.3.
//   - RFC 5068 (Email Submission Operations), Sections 3.1-3.2 and 5:
//     authentication, no open relay, traceability ([TraceRecord]).
//   - RFC 5321 (SMTP): Section 2.3.8 (bare CR and LF), 3.3 and 4.1.4
//     (command sequence, 503), 4.4 (Received), 4.5.3.1 (limits).
//   - RFC 4954 (SMTP AUTH), RFC 3848 (ESMTPA / ESMTPSA), RFC 3207
//     (STARTTLS discards state), RFC 8314 (TLS in Received).
//   - RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 3030 (CHUNKING,
//     BINARYMIME), RFC 6531 (SMTPUTF8), RFC 3463 and RFC 5248 (enhanced
//     status codes).
//
// # Limits
//
// Config.Limits bounds the messages and recipients each identity may send
// per window (451 4.7.1 and 452 4.5.3, with the time left in the text) and
// throttles failed AUTH per client address and per user name (454 4.7.0,
// then 421 4.7.0 and the connection closed). The counts live in a
// [LimitStore]: in-process by default ([MemoryLimitStore]), or shared by
// MSA replicas (a Redis store is in the examples module).
//
// # Logging
//
// Records go to Config.Logger with the fixed keys LogKey*. Records caused
// by clients are rate limited by a token bucket (RFC 6409, Section 5.2),
// and client strings are sanitised. Passwords, SASL payloads and body
// bytes are never logged.
//
// # Divergences
//
//   - A line longer than 1000 octets gets 554 5.6.0, not the "500 Line too
//     long" example of RFC 5321, Section 4.5.3.1.9: 500 is not a reply to
//     the end of mail data (RFC 5321, Section 4.3.2).
//   - SMTPUTF8 without BODY=8BITMIME still allows 8-bit octets in the
//     message: RFC 6531, Section 3.6 expects BODY=8BITMIME with it, but an
//     SMTPUTF8 message is 8-bit by nature (RFC 6532) and refusing it would
//     only punish clients that forget the parameter.
//   - Bare CR and bare LF are refused everywhere in the message, not
//     silently converted (RFC 5321, Section 2.3.8 only forbids clients to
//     send them); this is the defence against SMTP smuggling.
//   - With BODY=BINARYMIME only the size limit applies: binary content has
//     no lines (RFC 3030, Section 3).
//   - Multi-level partial domains ("squeaky.sales") are refused only when
//     Config.Partial says so: their syntax does not tell (RFC 6409,
//     Section 4.2), and msakit does no DNS.
package submission
