// Package milter puts msakit behind Postfix or Sendmail: a [Server] serves
// a [submission.Agent], built from a [submission.Config], over the Sendmail milter protocol (version 6), so
// that an MTA's submission port (587, 465) applies msakit's RFC 6409 policy
// while the MTA keeps doing SMTP, TLS, SASL and queueing.
//
// Postfix checks at most that the envelope sender belongs to the SASL user
// (smtpd_sender_login_maps with reject_sender_login_mismatch); it never
// looks at the header From and Sender, which is what a recipient sees.
// msakit adds those checks (RFC 6409, Section 6.3; RFC 5068, Section 3.1)
// and the rest of its profile.
//
// # Wiring
//
//	srv, _ := milter.New(milter.Config{
//		Submission: submission.Config{Hostname: host, Senders: senders},
//		Identify:   lookup,
//	})
//	ln, _ := net.Listen("tcp", "127.0.0.1:8891")
//	go srv.Serve(ln)
//
// and in Postfix's master.cf, on the submission service only:
//
//	-o smtpd_milters=inet:127.0.0.1:8891
//
// README.md has complete Postfix and Sendmail configurations; the command
// examples/msakit-milter runs this package.
//
// # What runs where
//
// The MTA does, and msakit does not redo: the SMTP dialogue and its
// timeouts (RFC 6409, Section 5.3 is the MTA's smtpd_timeout), STARTTLS
// and implicit TLS (RFC 3207, RFC 8314), SASL (RFC 4954: the MTA's
// smtpd_sasl_* settings decide mechanisms and check passwords), the
// defences against SMTP smuggling (Postfix's smtpd_forbid_bare_newline;
// Postfix ends a line at a bare LF and hands milters CRLF line endings),
// the Received field (RFC 5321,
// Section 4.4), queueing and delivery.
//
// msakit does, on the events the MTA sends (the built-in policies by the
// names that [policy.Reply].Policy and msakit's log records carry):
//
//	event        msakit                                 refusal (examples)
//	connect      Session with the client's address      —
//	HELO/EHLO    TLS state; STARTTLS resets the session —
//	MAIL         identity from the macros, then the     530 5.7.0 no AUTH, 550 5.7.1 not
//	             MAIL stage: require-auth (and trusted  the user's address, 554 5.1.8,
//	             networks), qualify-domains,            501 5.1.7, 552 5.3.4 SIZE,
//	             enforce-address-syntax,                550 5.6.7, 451 4.7.1 rate limit
//	             enforce-sender, require-smtputf8,
//	             max-size
//	RCPT         the RCPT stage: recipient-permissions, 550 5.7.1, 554 5.1.2, 553 5.6.7,
//	             postmaster, max-recipients             452 4.5.3
//	header       each field goes to Data as it comes    —
//	end of       the DATA stage on the whole header:    550 5.7.1 From/Sender not the
//	header       check-header, enforce-sender (From,    user's, 554 5.6.0 syntax,
//	             Sender, Resent-*), qualify-domains     554 5.6.1 8-bit without 8BITMIME
//	body chunk   bare CR or LF, line length, 8-bit      554 5.6.0, 554 5.6.1, 552 5.3.4
//	             octets, size, on each chunk as it
//	             arrives (nothing is buffered)
//	end of       trace record; the changes: Date,       451 4.3.0 when the trace sink
//	message      Message-ID, Sender, Bcc removal,       or the signer fails
//	             rewrites, DKIM signature, as header
//	             and envelope modifications
//
// Every refusal is sent as SMFIR_REPLYCODE with msakit's code, enhanced
// status code (RFC 3463) and text, never as a bare reject: the client sees
// exactly what msakit decided, and a 4xx stays a 4xx. An error that is not
// a [policy.Reply] becomes 451 4.3.0 and is logged.
//
// # The macros
//
// The Server asks the MTA for the macros it reads (SMFIF_SETSYMLIST);
// Postfix and Sendmail 8.14 honour the request. README.md also lists
// them for the MTA's own configuration.
//
//	j                the MTA's host name: logged with each accepted message
//	v                the MTA's version: "Postfix ..." means one hidden Received
//	{daemon_name}    the MTA service: Config.Daemons
//	{client_addr}    policy.Conn.RemoteAddr (else the connect event's address)
//	{client_port}    policy.Conn.RemoteAddr port
//	{tls_version}    policy.Conn.TLS.Version ("TLSv1.3")
//	{cipher}         policy.Conn.TLS.CipherSuite (IANA names only)
//	{auth_authen}    auth.Identity.AuthenticationID; empty: not authenticated
//	{auth_type}      auth.Identity.Mechanism
//	{auth_author}    policy.MailOptions.Auth when MAIL has no AUTH= parameter
//	i                the MTA's queue id: logged with msakit's submission id
//
// Config.Identify completes the identity with the user's own address
// (auth.Identity.Address).
//
// MAIL and RCPT arguments reach msakit as the MTA passed them, angle
// brackets restored: a quoted local part stays quoted, <Postmaster> stays
// unqualified, and the ESMTP parameters (SIZE, BODY, SMTPUTF8, AUTH, RET,
// ENVID, REQUIRETLS, NOTIFY, ORCPT) fill [policy.MailOptions] and
// [policy.RcptOptions].
//
// # Changes
//
// msakit's DATA stage works on the header the MTA sent, rebuilt field by
// field, and returns a new header; the Server compares the two and sends
// only the difference at the end of the message: SMFIR_INSHEADER for a
// field msakit prepended (Date, Message-ID, Sender), placed below the MTA's
// own Received, SMFIR_CHGHEADER for a field replaced in place (a corrected
// Date, a rewritten From) or deleted (Bcc). Every other field keeps its
// exact bytes in the MTA's copy, and the body is never touched. A
// rewritten reverse-path is SMFIR_CHGFROM; a rewritten recipient (a
// single-label domain expanded, RFC 6409, Section 4.2) is SMFIR_DELRCPT of
// the old and SMFIR_ADDRCPT_PAR of the new one with the same parameters.
// With a submission.Config.Signer (examples/dkim; RFC 6409, Section 8.5),
// the signature fields it makes over msakit's final header and the body as
// it streamed past go on top of the header, above the MTA's Received, as
// msakit's own server and OpenDKIM place them; they verify on what the MTA
// relays because every other field is the MTA's copy of msakit's header.
//
// # Divergences
//
//   - The submission id of msakit's trace record (RFC 5068, Section 3.1)
//     appears in no header field: the MTA's Received carries its queue
//     id. The Server logs both ids together ("milter: accepted").
//   - The milter protocol does not say whether the client used EHLO or
//     HELO; msakit records EHLO. It matters only for a Received field,
//     which msakit does not write here.
//   - {cipher} with an OpenSSL name for a TLS 1.2 suite
//     ("ECDHE-RSA-AES256-GCM-SHA384") leaves policy.Conn.TLS.CipherSuite 0;
//     the TLS version is always known.
//   - Sendmail keeps header fields in its list that it does not send to
//     milters, so a field msakit prepends may land above Sendmail's own
//     Received; Postfix's hidden Received is known and counted.
//   - A recipient another milter or the MTA refuses after msakit accepted
//     it still counts towards submission.Config.MaxRecipients for that
//     message.
//   - The MTA's size limit (Postfix message_size_limit) and msakit's
//     (submission.Config.MaxSize) are separate; set them alike.
//   - go-milter v0.10.1 does not compile where int has 32 bits (386, arm):
//     it compares an int with math.MaxUint32. This package therefore builds
//     on 64-bit platforms only. go-milter-32bit.patch beside this file is
//     the two-line fix for upstream; TestGoMilter32Bit says when it is no
//     longer needed.
//
// go-milter logs protocol warnings through its package variable
// LogWarning (the standard log package by default); a program may route
// it to its own logger, as examples/msakit-milter does.
package milter
