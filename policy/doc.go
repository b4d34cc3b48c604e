// Package policy is the vocabulary of submission policy for msakit: the SMTP
// [Reply] with its enhanced status code, the reply constants and
// constructors, what is known of the connection ([Conn]) and the transaction
// ([Transaction]), the [Policy] stage interfaces, the [Chain] that runs
// policies in a declared order, and every built-in policy of the RFC 6409
// profile, one file each.
//
// A policy is a named value that joins a stage by implementing its
// interface: [MailPolicy] (MAIL FROM), [RcptPolicy] (RCPT TO), [DataPolicy]
// (the header after end of data) for checks, and [MailRewriter],
// [RcptRewriter], [DataRewriter] for changes. At every stage a [Chain] runs
// all checks, in order, before any change, so nothing is changed for a
// command that is refused. [Defaults] returns the RFC 6409 profile as a
// list of policies; [Funcs] turns functions into a one-off policy. A
// policy keeps state across the stages of one transaction with
// [Transaction.SetValue].
//
// Policies never write to the client and never log: they return nil, a
// *[Reply], or an internal error that package submission turns into 451
// 4.3.0 "local error in processing" (RFC 5321, Section 4.2.3). Policies and
// chains are immutable after construction and safe for concurrent use;
// [Conn] and [Transaction] belong to one session.
//
// # Standards
//
//   - RFC 6409 (Message Submission for Mail): Sections 3.2, 3.3, 4.1-4.3,
//     5.1, 6.1-6.4 and 8.1-8.3, 8.8.
//   - RFC 5068 (Email Submission Operations), Sections 3.1 and 3.2.
//   - RFC 5321 (SMTP): reply codes (Section 4.2), <Postmaster> (Section
//     4.1.1.3), limits (Section 4.5.3.1).
//   - RFC 5322 (Internet Message Format), Section 3.6: field counts,
//     originator fields, Resent- fields.
//   - RFC 3463 and RFC 5248: enhanced status codes and their registry.
//   - RFC 4954 (SMTP AUTH): 530 5.7.0 and the AUTH reply codes.
//   - RFC 1870 (SIZE), RFC 6531 (SMTPUTF8), RFC 6532 (UTF-8 headers).
//
// # Divergences
//
//   - Incomplete multi-level domains ("squeaky.sales", RFC 6409, Section
//     4.2) cannot be told from complete ones by syntax; [QualifyDomains]
//     never expands them, and refuses them only when its Partial hook (for
//     example [PartialUnder]("sales")) says they are incomplete. DESIGN.md
//     lists them as always refused.
//   - [QualifyDomains] checks address header fields at every DATA stage,
//     not only when the header is changed: RFC 6409, Section 4.2 applies
//     when the MSA "examines or alters" the message, and a chain holding
//     the policy examines it.
//   - [RequireAuth] answers an unauthorized RCPT with 530 5.7.0 (RFC 4954,
//     Section 6), not 550 5.7.1.
//   - [EnforceSender] also checks Resent-From and Resent-Sender, and refuses
//     display names that hold an address the identity may not use. A user
//     re-sending (RFC 5322, Section 3.6.6) someone else's message needs that
//     From allowed by the SenderAuthorizer.
//   - [EnforceSender] compares local parts ignoring ASCII case, although RFC
//     5321, Section 2.4 makes them case-sensitive.
//   - [MaxRecipients] honours a configured limit below the 100 RFC 5321,
//     Section 4.5.3.1.8 requires.
//   - [RewriteAddresses] never rewrites forward-paths, and re-formats a
//     header field it changes (comments dropped).
package policy
