// Package gosmtp runs msakit inside github.com/emersion/go-smtp: a
// [Backend] turns a [submission.Agent] into a go-smtp [smtp.Backend] whose
// sessions delegate AUTH, MAIL, RCPT, DATA and BDAT to msakit, and a
// [Deliverer] receives each accepted message.
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
//		Chunking:      true, // go-smtp always offers CHUNKING
//	})
//	be := gosmtp.NewBackend(agent, deliverer, logger)
//	srv := smtp.NewServer(be)
//	be.Configure(srv) // lets msakit decide AUTH, SIZE, SMTPUTF8...
//	srv.TLSConfig = tlsConfig
//
// # What the adapter absorbs from go-smtp v0.25.1
//
// go-smtp has habits that would break an RFC 6409 MSA. The adapter deals
// with each of them:
//
//   - go-smtp checks no authentication itself, and its ErrAuthRequired is
//     502. The adapter never uses it: msakit's RequireAuth policy answers
//     530 5.7.0 (RFC 4954, Section 6; RFC 6409, Section 4.3).
//   - go-smtp refuses AUTH without TLS with its own 523 unless
//     Server.AllowInsecureAuth is set. [Backend.Configure] sets it, so that
//     msakit decides: cleartext mechanisms are not advertised without TLS
//     and are refused with 538 5.7.11 (RFC 4954, Section 4).
//   - There is no callback after a successful AUTH. msakit's SASL server
//     records the identity itself, inside the mechanism's callback, before
//     go-smtp writes 235.
//   - go-smtp removes the quotes of a quoted local part before calling
//     Mail and Rcpt: "carol smith"@example.net arrives as
//     carol smith@example.net. The adapter splits at the last '@', rebuilds
//     the mailbox with [envelope.NewMailbox] and hands msakit the canonical
//     form, quoted again ([envelope.Mailbox.String]).
//   - go-smtp's DATA reader passes bare LF through. msakit's body reader
//     refuses it (RFC 5321, Section 2.3.8), so nothing changes here; the
//     [Deliverer] must discard what it stored when the reader fails.
//   - go-smtp calls Reset on RSET, after DATA, and also when the client
//     issues EHLO again; the adapter then records the new EHLO argument.
//   - STARTTLS logs the go-smtp session out and a new one is created at the
//     next EHLO, so authentication is discarded as RFC 3207, Section 4.2
//     requires; the new session sees the TLS state.
//   - BDAT (RFC 3030) reaches Data on a second goroutine; the adapter
//     serializes Data, Reset and Logout so msakit's Session is never used
//     concurrently.
//   - go-smtp writes a 421 reply returned by a session and goes on reading
//     commands; RFC 5321, Section 3.8 wants the connection closed after it
//     (msakit answers 421 to a client that keeps failing AUTH, see
//     [submission.Limits]). The adapter writes the reply itself and closes
//     the socket; go-smtp then ends the connection and calls Logout.
//
// # Divergences
//
//   - go-smtp refuses an unqualified RCPT TO:<Postmaster> with 501 5.5.2
//     before any session method runs: its path parser requires an '@' and
//     has no option to relax this. RFC 5321, Section 4.1.1.3 says the
//     unqualified form MUST be accepted; with go-smtp a client has to write
//     postmaster@domain. msakit's Postmaster policy is therefore never
//     reached through this adapter for the unqualified form. A wrapper
//     around the net.Conn cannot rewrite the command either: after
//     STARTTLS go-smtp reads TLS records from that connection, and before
//     it the wrapper would have to follow DATA and BDAT to tell commands
//     from message content. The fix belongs in go-smtp's parser.
//   - go-smtp does not tell the backend whether the client used HELO or
//     EHLO. The adapter reports EHLO ([policy.Conn].ESMTP true), so the
//     Received field says ESMTP... for a HELO client too.
//   - go-smtp v0.25.1 closes a connection after too many protocol errors,
//     which drops the session, but goes on handling the commands it had
//     already buffered; a pipelined MAIL among them makes go-smtp call a
//     nil Session. go-smtp recovers, answers 421 and logs the panic. The
//     adapter cannot prevent it: no session exists any more. FuzzSession
//     found it; its seed replays it.
//   - go-smtp's Serve registers its listener from the goroutine it runs
//     in, so a Shutdown or Close that comes before Serve has started
//     misses the listener and Serve blocks in Accept for ever. Close the
//     listener yourself as well when stopping (examples/msa does).
//   - The EHLO keywords are go-smtp's: it always offers PIPELINING,
//     8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and SIZE. [Backend.Configure]
//     switches on the optional ones (SMTPUTF8, BINARYMIME, DSN, REQUIRETLS)
//     only when msakit's [submission.Agent.Extensions] lists them.
package gosmtp
