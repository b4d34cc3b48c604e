// Package gosmtp runs msakit inside github.com/emersion/go-smtp: a [Backend]
// turns a [submission.Agent] into a go-smtp [smtp.Backend] whose sessions
// delegate AUTH, MAIL, RCPT, DATA and BDAT to msakit, and a [Deliverer]
// receives each accepted message.
//
// The reply a client sees for every decision is the [policy.Reply] msakit
// returned, turned into an [smtp.SMTPError] with the same code, enhanced
// status code (RFC 3463) and text. An error that is not a *policy.Reply never
// reaches the wire: it becomes 451 4.3.0 (RFC 5321, Section 4.2.3) and is
// logged.
//
// # Wiring
//
//	agent, _ := submission.New(submission.Config{
//		Hostname:      host,
//		Authenticator: users,
//		Chunking:      true, // offer CHUNKING and BINARYMIME: go-smtp has BDAT
//	})
//	be := gosmtp.NewBackend(agent, deliverer, logger)
//	srv := smtp.NewServer(be)
//	be.Configure(srv) // lets msakit decide AUTH, SIZE, SMTPUTF8...
//	l, _ := net.Listen("tcp", ":587")
//	srv.Serve(be.Listener(l, gosmtp.ListenOptions{STARTTLS: tlsConfig}))
//
// For implicit TLS (RFC 8314), hand [Backend.Listener] a listener from
// tls.Listen and no STARTTLS config. Leave smtp.Server.TLSConfig, ReadTimeout
// and WriteTimeout unset: [Backend.Listener] runs TLS and the timeouts. A
// connection that did not come from [Backend.Listener] gets 421 4.3.5 at EHLO
// and nothing else.
//
// # Signing
//
// With a signer in the Agent (submission.Config.Signer; examples/dkim signs
// with DKIM, RFC 6376), the signature is known only once the whole body has
// streamed past it, so it cannot be at the front of [Message].Body. The
// message to queue is [Message.Signature] followed by what Body returned: a
// [Deliverer] reads Body to io.EOF into a temporary file, then writes the
// signature in front (a new file holding the signature and then the temporary
// file's contents, or a relay that sends the signature before the staged
// file), and only then commits the message and returns nil. Memory stays
// O(header); examples/msa's spool and relay do this. A Deliverer that
// returns nil without having taken the signature of a signed message gets
// 451 4.3.0: a silently unsigned message would only fail later, at the
// receivers' DMARC checks.
//
// # The guard: what go-smtp reads
//
// go-smtp v0.25.1 reads the client through one bufio.Reader and decides on its
// own what is a command, what is message content and when to give up. Several
// of its habits lose or smuggle octets, and no hook lets a backend change
// them. But the adapter hands go-smtp every net.Conn it reads
// ([Backend.Listener]), so it reads the client first, at the byte level and in
// cleartext, and hands go-smtp only what it may safely see:
//
//   - One complete command line at a time. go-smtp returns a line cut short by
//     a read error as if it were whole (net/textproto over
//     bufio.Reader.ReadLine) and runs it; here a partial line is never handed
//     over (conn.go:1334). The next octet is read from the client only after
//     go-smtp has answered the line, so the guard always knows whether
//     command, DATA content, BDAT chunk or AUTH response comes next.
//   - Timeouts of RFC 5321, Section 4.5.3.2: each command line must arrive
//     within [ListenOptions].CommandTimeout (5 minutes) of the moment the
//     server is ready for it, however slowly its octets trickle in; message
//     data within DataTimeout (3 minutes) per block, a deadline that moves on
//     with every block received. go-smtp's ReadTimeout is one deadline per
//     command, the whole DATA included (conn.go:1328), and its DATA handling
//     ends with io.Copy(io.Discard, r) (conn.go:989), which stops at the
//     timeout: the rest of the message was then read as commands, and a MAIL,
//     RCPT, DATA sent inside it ran. Here, once a read or a write has failed,
//     the client gets 421 4.4.2 where a reply can still be written, the
//     connection is closed, and every later read and write fails: nothing sent
//     after the failure is ever read.
//   - DATA content (RFC 5321, Section 4.5.2) is read by the adapter, which
//     hands it to msakit, and go-smtp's DATA reader then only reads the end of
//     data. go-smtp's reader (data.go:114-126) drops the '.' and the CR of a
//     line that starts with ".\r" followed by other text, so msakit never saw
//     that bare CR and the message lost two octets. The adapter's reader
//     changes nothing but the dot-stuffing and ends only at CRLF "." CRLF, so
//     every end-of-data variant of the SMTP smuggling research ("\n.\n",
//     "\r.\r", "\r\n.\r", "\r\n\x00.\r\n", ...) reaches msakit as message
//     content, and msakit refuses its bare CR, bare LF or NUL (554 5.6.0).
//   - BDAT chunks (RFC 3030) are handed over as they are, never split into
//     lines. The BDAT line is checked and handed to go-smtp in canonical form,
//     so both read the same chunk size; when the size cannot be read, the
//     client gets 501 5.5.4 and the connection is closed rather than chunk
//     octets read as commands.
//   - Lines: go-smtp's limit of 2000 octets per line (Server.MaxLineLength,
//     server.go:97, lengthlimit_reader.go, which also applied to DATA content
//     and to a BDAT chunk read together with its BDAT line) is switched off by
//     [Backend.Configure]. Command and AUTH lines are bounded by the guard
//     (12288 octets, RFC 4954, Section 4; 500 5.5.2, or 500 5.5.6 in an AUTH
//     exchange, with the session in step); message lines are judged by msakit
//     (554 5.6.0).
//   - STARTTLS (RFC 3207) is run by the guard with [ListenOptions].STARTTLS,
//     so the guard keeps reading cleartext; the octets a client pipelines
//     after STARTTLS are discarded (RFC 3207, Section 4.2). msakit's session
//     then forgets the EHLO argument and any identity
//     (submission.Session.SetTLS), and MAIL and AUTH wait for a new EHLO (503
//     5.5.1). STARTTLS is refused inside a mail transaction and after AUTH
//     (503 5.5.1). go-smtp itself never sees TLS: its Conn.TLSConnectionState
//     reports none; the adapter gives msakit the guard's.
//
// # What else the adapter absorbs from go-smtp v0.25.1
//
//   - go-smtp checks no authentication itself, and its ErrAuthRequired is 502.
//     The adapter never uses it: msakit's require-auth policy answers 530 5.7.0
//     (RFC 4954, Section 6; RFC 6409, Section 4.3).
//   - go-smtp refuses AUTH without TLS with its own 523 unless
//     Server.AllowInsecureAuth is set. [Backend.Configure] sets it, so that
//     msakit decides: cleartext mechanisms are not advertised without TLS and
//     are refused with 538 5.7.11 (RFC 4954, Section 4).
//   - There is no callback after a successful AUTH. msakit's SASL server
//     records the identity itself, inside the mechanism's callback, before
//     go-smtp writes 235.
//   - go-smtp answers an AUTH response it cannot decode with 454 4.7.0
//     (conn.go:847 and 889). The guard checks the initial response and every
//     response line first and answers 501 5.5.2 (RFC 4954, Section 4).
//   - go-smtp answers a command out of sequence (MAIL before EHLO, RCPT before
//     MAIL, DATA or BDAT before RCPT, DATA after BODY=BINARYMIME, AUTH before
//     EHLO) with 502 5.5.1 (conn.go:320, 324, 674, 678, 820, 963, 967, 972,
//     1021). The guard turns it into 503 5.5.1 (RFC 5321, Section 4.2.4; RFC
//     3030, Section 3), and "AUTH" without a mechanism (502 5.5.4,
//     conn.go:830) into 501 5.5.4.
//   - go-smtp answers a MAIL or RCPT parameter it does not know or has not
//     enabled with 500 or 504 5.5.4 (conn.go:368-410, 437, 712-767, 781); the
//     guard makes it 555 5.5.4 (RFC 5321, Section 4.1.1.11), and a malformed
//     AUTH= value (500, conn.go:422 and 431) 501 5.5.4. go-smtp reads SIZE=
//     into 32 bits and answers a larger one with 501 (conn.go:354); the guard
//     answers 552 5.3.4 (RFC 1870, Section 6.1).
//   - go-smtp removes the quotes of a quoted local part before calling Mail
//     and Rcpt (parse.go:206-222): "carol smith"@example.net arrives as carol
//     smith@example.net, and "carol..smith"@example.net cannot be told from
//     the invalid carol..smith@example.net. msakit gets the MAIL and RCPT path
//     as the client sent it, read by the guard from the command line, so the
//     quoted form is accepted and the unquoted ones (carol..smith, carol.,
//     carol@@) are refused with 501 5.1.3 (RCPT) or 501 5.1.7 (MAIL), RFC
//     6409, Section 5.1.
//   - Where only go-smtp's reading reaches the adapter (the mailbox of MAIL's
//     AUTH= parameter, RFC 4954, Section 5, which go-smtp decodes and
//     unquotes, conn.go:419-435), a decision stands in for the lost quotes:
//     the unquoted reading wins for dot errors and for a second '@'; only a
//     local part with a character that can appear nowhere but inside quotes
//     (space, '"', '\', '(', ')', ',', ':', ';', '<', '>', '[', ']') is
//     rebuilt as quoted. AUTH="carol+20smith"@x becomes "carol smith"@x,
//     AUTH="carol..smith"@x becomes carol..smith@x.
//   - go-smtp refuses an unqualified RCPT TO:<Postmaster> (its parser requires
//     an '@', parse.go:179), which RFC 5321, Section 4.1.1.3 says MUST be
//     accepted. The guard hands go-smtp a stand-in and msakit gets
//     <Postmaster>.
//   - go-smtp's EHLO response always offers PIPELINING, 8BITMIME,
//     ENHANCEDSTATUSCODES, CHUNKING and SIZE (conn.go:253-290), whatever
//     msakit's Config says, and its first line lacks the server's domain
//     ("250-Hello client", RFC 5321, Section 4.1.1.1 wants "250-domain
//     ..."). The guard writes the response msakit decides (RFC 6409,
//     Section 7): the domain of smtp.Server, go-smtp's greeting, then the
//     lines of [submission.Agent.Extensions] for the connection, in its
//     order and with its parameters (SIZE, the AUTH mechanisms), each one
//     that the server serves: go-smtp offered it too ([Backend.Configure]
//     switches on SMTPUTF8, BINARYMIME, DSN and AUTH as msakit offers
//     them), or STARTTLS, which the guard runs, with [ListenOptions].STARTTLS
//     and no TLS yet. CHUNKING and BINARYMIME are offered only with
//     submission.Config.Chunking, and Config.DisableExtensions leaves out
//     what it names. go-smtp has no switch for BDAT: a client that sends
//     BDAT although CHUNKING was not offered is still served, under the
//     same DATA rules of msakit (refusing it would mean reading and
//     discarding its chunk); so are the SIZE= and BODY=8BITMIME parameters
//     when SIZE or 8BITMIME were left out.
//   - go-smtp does not tell the backend whether the client used HELO or EHLO;
//     the guard does, so the Received field says SMTP or ESMTP (RFC 3848) as
//     the client chose.
//   - go-smtp calls Reset on RSET, after DATA, and also when the client issues
//     EHLO or HELO again; the adapter then records the new argument.
//   - BDAT (RFC 3030) reaches Data on a second goroutine; the adapter
//     serializes Data, Reset and Logout so msakit's Session is never used
//     concurrently.
//   - go-smtp writes a 421 reply returned by a session and goes on reading
//     commands (conn.go:241, 443, 787, 854); RFC 5321, Section 3.8 wants the
//     connection closed after it (msakit answers 421 to a client that keeps
//     failing AUTH, see [submission.Limits]; the adapter to EHLO while
//     draining). The guard closes the connection once it has written a 421;
//     go-smtp's next read ends the connection and Logout runs.
//   - After its fourth protocol error go-smtp answers "500 5.5.1 Too many
//     errors" and closes the connection (conn.go:211-219); the guard sends
//     the 421 4.7.0 RFC 5321, Section 3.8 describes instead. Besides, the
//     guard counts every refusal (4xx and 5xx, go-smtp's, msakit's and its
//     own; not a 4.3.x or 4.4.x, the server's outage): a client with [ListenOptions].MaxErrors (20) since its last
//     accepted message gets 421 4.7.0 to its next command but QUIT, and the
//     connection is closed.
//
// # Divergences
//
// What remains of go-smtp v0.25.1 (file:line in its module):
//
//   - A race in BDAT (conn.go:1047-1059): the goroutine that runs Session.Data
//     fetches the session only when it starts, and if the connection was
//     closed first, it calls Data on a nil Session; go-smtp recovers and logs
//     "panic serving". The guard closes the window for everything a client can
//     do (its octets end, QUIT, a timeout right after a first chunk): it hands
//     go-smtp nothing more until Data has started. What the server itself
//     does, Server.Close during a first chunk, can still meet it; the
//     connection is being torn down then, and nothing is delivered.
//     upstream-bdat-session.patch, beside this file, is the fix for go-smtp;
//     TestGoSMTPDefect_BDATNilSession pins the defect.
//   - go-smtp, through net/textproto, ends a command line at a bare LF and
//     strips the CR before it (conn.go:1334); the guard splits lines the same
//     way, so that the two never disagree on where a command ends. Message
//     content needs CRLF (RFC 5321, Section 2.3.8): msakit refuses a bare LF
//     there.
//   - go-smtp's Conn.TLSConnectionState (conn.go:188) reports no TLS on a
//     connection of [Backend.Listener]: the guard runs TLS, and msakit gets
//     the guard's state ([Message].Conn.TLS). go-smtp's ReadTimeout and
//     WriteTimeout have no effect there (conn.go:1288 and 1328);
//     [ListenOptions] has the timeouts.
//   - go-smtp's Serve registers its listener from the goroutine it runs in
//     (server.go:107-111), so a Shutdown or Close that comes before Serve has
//     started misses the listener and Serve blocks in Accept for ever. Close
//     the listener yourself as well when stopping (examples/msa does).
package gosmtp
