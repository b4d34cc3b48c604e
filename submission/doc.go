// Package submission is a Message Submission Agent (RFC 6409) without
// networking: an SMTP server calls it at its AUTH, MAIL, RCPT and DATA
// hooks and gets back either nil (go on) or a [*policy.Reply] to send.
//
// An [Agent] is built once from a [Config] whose zero value, plus a
// Hostname, is the RFC 6409 profile; it is safe for concurrent use. Each
// connection gets a [Session]:
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
// field (unless the server writes its own: Config.DisableReceived), and
// returns the message to queue as a reader that streams the
// body from the client, checking it as it goes (bare CR or LF, line
// length, 8-bit octets, size). At the clean end of the message a
// [TraceRecord] goes to the [TraceSink]. Every error returned by Mail,
// Rcpt, Data, that reader, and the AUTH methods is a *policy.Reply;
// internal failures are answered 451 4.3.0 (454 4.7.0 at AUTH) and logged
// with their cause at Error; a server maps errors of its own with
// [ReplyFor].
//
// A server that relays to a next hop without 8BITMIME converts each message
// with [Downgrade] first (RFC 6409, Section 8.4; RFC 6152, Section 3).
//
// With a [Signer] (Config.Signer; RFC 6409, Section 8.5), the message is
// signed after every other change: the signer gets the final header at the
// end of Data and the body as it streams, and its fields (a DKIM-Signature,
// RFC 6376) are known only at the end of the body. The reader Data returns
// is a [SignedReader] (a type assertion: Data declares an io.Reader): read
// it to io.EOF, spooling the message, then write its Signature in front of
// what was read before committing the message (see [Session.Data] and the
// example of SignedReader). Nothing of the body is buffered; a failing
// signer, or one that returns fields that are not well-formed header
// fields, is 451 4.3.0, never a corrupt message.
//
// # The RFC 6409 profile
//
// The Session decides trust before any policy runs: a session is trusted
// when the server says so (policy.Conn.Trusted in [Agent.NewSession]), when
// its address is in Config.Trusted, or when Config.AuthWindow knows it.
// Then the built-in policies run, in this order, each named as in
// [policy.Reply].Policy and in the logs, checks before rewrites at every
// stage (the Config field that changes each is in brackets):
//
//   - require-auth: 530 5.7.0 at MAIL and RCPT without authentication or
//     trust (RFC 6409, Section 4.3; RFC 5068, Section 3.2); the postmaster
//     exception of RFC 6409, Section 6.4 [AllowPostmaster], with 550 5.7.1
//     for a null reverse-path then (RFC 6409, Section 3.2).
//   - enforce-address-syntax: 501 5.1.7 / 501 5.1.3 (RFC 6409, Section 5.1).
//   - qualify-domains: 554 5.1.8 at MAIL, 554 5.1.2 at RCPT, 554 5.6.0 for
//     address header fields (RFC 6409, Section 4.2): a name must be under a
//     delegated top-level domain, a special-use one (test, example,
//     localhost, internal) or one of the site's, and the reply names an
//     unknown top-level domain [Expand, Partial, LocalDomains,
//     DisableTLDCheck].
//   - require-smtputf8: 550 5.6.7 at MAIL, 553 5.6.7 at RCPT (RFC 6531,
//     Section 3.5).
//   - max-size: a declared SIZE= over the limit, 552 5.3.4 (RFC 1870)
//     [MaxSize].
//   - enforce-sender: MAIL FROM, and From and Sender or, for a re-sent
//     message, the topmost resent block's Resent-Sender or Resent-From
//     (RFC 5322, Section 3.6.6), must be addresses the identity may use,
//     550 5.7.1 (RFC 6409, Sections 6.1 and 6.3) [Senders,
//     DisableEnforceSender].
//   - recipient-permissions: 550 5.7.1 (RFC 6409, Section 6.2)
//     [AllowRecipient].
//   - max-recipients: 452 4.5.3 (RFC 5321, Section 4.5.3.1.8)
//     [MaxRecipients].
//   - postmaster: <Postmaster> accepted and qualified to Hostname (RFC
//     5321, Section 4.1.1.3).
//   - check-header: header syntax and required fields, 554 5.6.0 (RFC
//     6409, Sections 5.1 and 6.3) [DisableCheckHeader, AddMissingFrom].
//   - rewrite-addresses: configured rules only (RFC 6409, Section 8.8)
//     [Rewrite].
//   - add-date, add-message-id: add or correct Date and Message-ID (RFC
//     6409, Sections 8.2 and 8.3) [DisableAddDate, DisableAddMessageID].
//   - add-sender: Sender when From is not the identity (RFC 6409, Section
//     8.1) [AddSender].
//   - remove-bcc: Bcc and Resent-Bcc deleted (RFC 5322, Section 3.6.3)
//     [DisableRemoveBcc].
//
// Config.Policies run after them in the same [policy.Chain].
//
// # Standards
//
//   - RFC 6409 (Message Submission for Mail): Sections 3.2-3.3, 4.1-4.3,
//     5.1-5.2, 6.1-6.4, 7 ([Agent.Extensions]), 8.1-8.3, 8.4 ([Downgrade]),
//     8.5 ([Signer]), 8.8 (Config.Rewrite).
//   - RFC 5068 (Email Submission Operations), Sections 3.1-3.2 and 5:
//     authentication, no open relay, traceability ([TraceRecord]).
//   - RFC 5321 (SMTP): Section 2.3.8 (bare CR and LF), 3.3 and 4.1.4
//     (command sequence, 503), 4.4 (Received), 4.5.3.1 (limits).
//   - RFC 4954 (SMTP AUTH), RFC 3848 (ESMTPA / ESMTPSA), RFC 3207
//     (STARTTLS discards state), RFC 8314 (TLS in Received).
//   - RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 3030 (CHUNKING,
//     BINARYMIME), RFC 6531 (SMTPUTF8), RFC 3463 and RFC 5248 (enhanced
//     status codes).
//   - RFC 2045 and RFC 2046 (MIME: transfer encodings, multipart and
//     message/rfc822 structure) and RFC 1428 ("unknown-8bit") for
//     [Downgrade], which reads MIME headers with go-message.
//
// # Limits
//
// Config.Limits bounds the messages and recipients each identity may send
// per window (451 4.7.1 and 452 4.5.3, with the time left in the text) and
// throttles failed AUTH per client address and per user name (454 4.7.0,
// then 421 4.7.0 and the connection closed). The counts live in a
// [LimitStore]: in-process by default ([MemoryLimitStore]), or shared by
// MSA replicas (a Redis store is in the examples module). Their replies
// carry the names "message-limit", "recipient-limit" and "auth-throttle"
// in policy.Reply.Policy, and "limit-store" when the store failed.
//
// # Telling replies apart
//
// Every refusal is a *policy.Reply; a caller tells one from another by its
// Code, its Enhanced code (RFC 3463, Section 2: the machine-readable part)
// and its Policy, the name of what decided, never by its Text (reworded in
// any release) or its Err (the internal cause, for logs; it may wrap an
// error of a lower package, such as header.ErrBareLF, but which one is not
// part of the contract). The package exports no error values of its own.
// A server closes the connection after any 421 (RFC 5321, Section 3.8),
// whatever decided it.
//
// # Logging
//
// Records go to Config.Logger with fixed attribute keys, so that log
// pipelines can rely on them: "stage" (MAIL, RCPT, DATA, AUTH), "policy"
// (the policy that decided), "smtp_code" and "smtp_enhanced" (the reply),
// "from" and "rcpt" (paths), "identity", "err" (an internal cause, never
// sent), "submission_id", "remote", "message_id", "mechanism", "size",
// "body" (the body type, RFC 6152), "recipients", "limit_key" (a key of
// Config.Limits), "outage" (how long the limit store was down) and
// "suppressed" (records dropped by the rate limit, or failures of the
// limit store not logged one by one).
// Records caused by clients are rate limited by a token bucket (RFC 6409,
// Section 5.2: Config.ClientLogRate, ClientLogBurst). An internal error
// is logged at Error with its cause; the same error (the same text) again
// within 10 seconds is not: the refusal is logged at Info under the client
// rate limit, and the next Error record of that error says how many were
// left out ("suppressed"), so that a dependency that is down (a
// directory, a trace store) writes one record per 10 seconds, not one per
// command. A different error is always logged at once. A limit store that
// stays down is one outage, with a record when it answers again (see
// Limits.FailOpen). Client strings
// are sanitised: control characters escaped, at most 256 octets. Passwords,
// SASL payloads, header values other than addresses and Message-ID, and
// body bytes are never logged.
//
// # Metrics
//
// Config.Observer is told every MAIL, RCPT, end of data and AUTH decision
// as an [Event]: the stage, the reply code and enhanced code of a refusal,
// the refusing policy, the SASL mechanism, the message size. Its fields
// come from small fixed sets, never from client input, so a metrics
// library may use them as labels (examples/msa exports Prometheus
// counters). A nil Observer costs one nil check per decision.
//
// # Divergences
//
//   - A line longer than 1000 octets gets 554 5.6.0, not the "500 Line too
//     long" example of RFC 5321, Section 4.5.3.1.9: 500 is not a reply to
//     the end of mail data (RFC 5321, Section 4.3.2).
//   - 8-bit octets in a message body without BODY=8BITMIME are accepted
//     and the transaction treated as 8BITMIME from then on
//     ([policy.Transaction].Undeclared8Bit), as Postfix and Exim do: RFC
//     6152, Section 3 forbids the client to send them, and RFC 6409,
//     Section 8 lets the MSA complete the message.
//     Config.DisableUndeclared8Bit refuses them (554 5.6.1), except with
//     SMTPUTF8: RFC 6531, Section 3.6 expects
//     BODY=8BITMIME with it, but an SMTPUTF8 message is 8-bit by nature
//     (RFC 6532). 8-bit octets in the header need SMTPUTF8 in every case,
//     also with BODY=8BITMIME: a relay can convert a body to 7 bits (RFC
//     6409, Section 8.4), never a header.
//   - Bare CR and bare LF are refused everywhere in the message, not
//     silently converted (RFC 5321, Section 2.3.8 only forbids clients to
//     send them); this is the defence against SMTP smuggling.
//   - With BODY=BINARYMIME only the size limit applies: binary content has
//     no lines (RFC 3030, Section 3).
//   - [Downgrade] keeps the Content-Transfer-Encoding of multipart and
//     message/rfc822 entities ("8bit" stays "8bit" once every part inside
//     is 7-bit): RFC 2045, Section 6.4 makes it a statement about the
//     parts, and changing it would mean reading a whole composite before
//     writing its header. It refuses, rather than converts, 8-bit octets
//     in header fields, preambles, epilogues and base64 bodies.
//   - Without DNS, "fully qualified" (RFC 6409, Section 4.2) means under a
//     top-level domain of the ICANN section of the public suffix list that
//     golang.org/x/net/publicsuffix ships (see
//     [envelope.Domain.IsFullyQualified]), a special-use one, or one of
//     Config.LocalDomains, Hostname and Expand. RFC 6409's "squeaky.sales"
//     is refused that way; a multi-level partial name that does end in a
//     delegated TLD ("build.dev" for "build.dev.example.com") is refused
//     only when Config.Partial says so (for example [PartialUnder]). A
//     newly delegated TLD is known once x/net is upgraded.
//   - qualify-domains checks address header fields at every DATA stage,
//     not only when the header is changed: RFC 6409, Section 4.2 applies
//     when the MSA "examines or alters" the message, and the profile
//     examines it.
//   - require-auth answers an unauthorized RCPT with 530 5.7.0 (RFC 4954,
//     Section 6), not 550 5.7.1.
//   - enforce-sender refuses display names that hold an address the
//     identity may not use. For a message with resent fields (RFC 5322,
//     Section 3.6.6) it judges the topmost block's Resent-Sender, or its
//     Resent-From, instead of From and Sender; a block with neither leaves
//     From and Sender judged.
//   - enforce-sender compares local parts ignoring ASCII case, although RFC
//     5321, Section 2.4 makes them case-sensitive.
//   - Config.MaxRecipients below the 100 of RFC 5321, Section 4.5.3.1.8 is
//     honoured.
//   - rewrite-addresses never rewrites forward-paths, and re-formats a
//     header field it changes (comments dropped).
package submission
