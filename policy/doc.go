// Package policy is the vocabulary for writing submission policy with
// msakit: the SMTP [Reply] with its enhanced status code, what is known of
// the connection ([Conn]) and the transaction ([Transaction], with
// [Transaction.SetValue] for a policy's own state), the [Policy] stage
// interfaces, [Funcs] for a policy written as functions, and the [Chain]
// that runs policies in a declared order.
//
// A policy is a named value that joins a stage by implementing its
// interface: [MailPolicy] (MAIL FROM), [RcptPolicy] (RCPT TO), [DataPolicy]
// (the header after end of data) for checks, and [MailRewriter],
// [RcptRewriter], [DataRewriter] for changes. At every stage a [Chain] runs
// all checks, in order, before any change, so nothing is changed for a
// command that is refused.
//
// The built-in policies of the RFC 6409 profile (authentication, address
// syntax, fully qualified domains, sender ownership, header checks, Date
// and Message-ID, ...) belong to package submission, configured by its
// Config; a site adds its own through submission.Config.Policies.
//
// Policies never write to the client and never log: they return nil, a
// *[Reply], or an internal error that package submission turns into 451
// 4.3.0 "local error in processing" (RFC 5321, Section 4.2.3). Policies and
// chains are immutable after construction and safe for concurrent use;
// [Conn] and [Transaction] belong to one session.
//
// # Standards
//
//   - RFC 5321 (SMTP): the stages (Section 3.3), reply codes (Section 4.2),
//     MAIL and RCPT parameters (Sections 4.1.1.2 and 4.1.1.3).
//   - RFC 3463 and RFC 5248: enhanced status codes, class checked against
//     the reply code.
//   - RFC 6409 (Message Submission for Mail): the stages a policy joins
//     (Sections 4 to 8).
//   - RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 3030 (BINARYMIME), RFC 6531
//     (SMTPUTF8), RFC 3461 (DSN), RFC 4954 (AUTH=), RFC 8689 (REQUIRETLS):
//     the parameters of [MailOptions] and [RcptOptions].
package policy
