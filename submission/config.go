package submission

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// defaultMaxSize is the message size limit of a zero [Config]: 32 MiB,
// counted over the message as the client sent it (header and body, RFC
// 1870, Section 4). RFC 5321, Section 4.5.3.1.7 requires at least 64K; the
// SIZE keyword announces the limit, and [Agent.MaxSize] returns it.
const defaultMaxSize = 32 << 20

// defaultMaxRecipients is the recipient limit of a zero [Config]: 100, the
// least RFC 5321, Section 4.5.3.1.8 allows a server to impose.
const defaultMaxRecipients = 100

// Config configures an [Agent]; it is the one place each setting of the RFC
// 6409 profile lives. The zero value with a Hostname is that profile: every
// MUST and SHOULD of RFC 6409 and RFC 5068 is on (see the package
// documentation for the list), every MAY is off. A field that turns a
// default off is named Disable…; a zero number means the default. A Config
// is copied by [New]; changing it afterwards has no effect.
type Config struct {
	// Hostname is this MSA's name, used in the Received "by" clause (RFC
	// 5321, Section 4.4) and in generated Message-IDs (RFC 5322, Section
	// 3.6.4). Required.
	Hostname envelope.Domain

	// Authenticator checks SASL credentials (RFC 4954). nil means no AUTH
	// mechanism is offered, so only sessions from Trusted networks (or an
	// AuthWindow) can submit. An Authenticator that also implements
	// [auth.TokenAuthenticator] or [auth.CertificateAuthenticator]
	// enables OAUTHBEARER or EXTERNAL.
	Authenticator auth.Authenticator

	// Senders decides which addresses an identity may use in MAIL FROM,
	// From and Sender (RFC 6409, Sections 6.1 and 6.3). nil means a user
	// may send only as its own Identity.Address.
	Senders auth.SenderAuthorizer

	// Trusted lists networks whose clients may submit without AUTH, the
	// "protected subnetwork" of RFC 6409, Sections 3.3 and 4.3: a session
	// whose remote address is in one of them is trusted
	// ([policy.Conn].Trusted) from [Agent.NewSession] on, before any
	// policy runs. IPv4-mapped IPv6 addresses match IPv4 prefixes. RFC
	// 6409, Section 3.3 warns that address restrictions "can be easily
	// spoofed unless all transport paths between the MUA and MSA are
	// trustworthy": list only networks you control. nil means none.
	Trusted []netip.Prefix

	// Expand, when not zero, is appended to single-label domains in the
	// envelope and in address header fields ("sales" becomes
	// "sales.example.net"); multi-label partial domains are refused either
	// way (RFC 6409, Section 4.2). Zero means every unqualified domain is
	// refused.
	Expand envelope.Domain

	// Partial, when set, reports multi-level domains the site knows to be
	// incomplete although they end in a delegated top-level domain, such
	// as "build.dev" where "dev" is an internal subdomain of example.com;
	// they are refused, never expanded (RFC 6409, Section 4.2). A name
	// under no known top-level domain ("squeaky.sales") is refused without
	// it (see LocalDomains). nil means every other multi-level domain
	// counts as fully qualified: its syntax cannot tell, and msakit does
	// no DNS. [PartialUnder] builds the usual rule.
	Partial func(envelope.Domain) bool

	// LocalDomains lists this site's domains that no public registry
	// delegates, and its private top-level domains, such as "example.lan"
	// or "corp": a name of two labels or more that is one of them or ends
	// with "." and one of them is fully qualified whatever its top-level
	// domain (RFC 6409, Section 4.2). Without them a domain must be under a
	// top-level domain delegated in the DNS root zone or under "test",
	// "example", "localhost" or "internal" (see
	// [envelope.Domain.IsFullyQualified]); a name under any other is
	// refused (554 5.1.8, 554 5.1.2, 554 5.6.0) with a text that names its
	// top-level domain, which catches typos such as "example.con". The
	// top-level domains of Hostname and Expand count without being listed.
	// nil means none besides those.
	LocalDomains []envelope.Domain

	// DisableTLDCheck judges a multi-level domain fully qualified by its
	// syntax alone, whatever its top-level domain, as long as that is not
	// all digits (RFC 3696, Section 2). LocalDomains is then not needed.
	// Set it only for a site whose mail names cannot be listed.
	DisableTLDCheck bool

	// AllowPostmaster permits the reduced authentication of RFC 6409,
	// Section 6.4: a session that is neither authenticated nor trusted may
	// send to <Postmaster> and postmaster@Hostname, and to nobody else; a
	// null reverse-path is then refused with 550 5.7.1, as no return path
	// can be determined (RFC 6409, Section 3.2). A MAY: off by default.
	AllowPostmaster bool

	// AllowRecipient, when set, decides which recipients an identity may
	// send to (RFC 6409, Section 6.2); a refusal is 550 5.7.1. nil means
	// every recipient that passes the other checks.
	AllowRecipient func(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error)

	// AddMissingFrom adds a From field holding the identity's address to a
	// message that has none, instead of refusing it with 554 5.6.0 (RFC
	// 5322, Section 3.6 requires From; RFC 6409, Section 8 lets an MSA
	// complete a message). Off by default.
	AddMissingFrom bool

	// AddSender adds or replaces Sender with the identity's address when
	// the From is not the identity's own (RFC 6409, Section 8.1, a MAY).
	// Off by default.
	AddSender bool

	// DisableRemoveBcc keeps the Bcc and Resent-Bcc fields of a submitted
	// message. By default they are deleted before the message is relayed,
	// as Postfix and sendmail do at submission, so that a client that
	// leaves Bcc in the message does not disclose its blind recipients
	// to the others (RFC 5322, Section 3.6.3, the first of the ways it
	// describes); the envelope, not the header, decides who receives a
	// copy. Set it for a server that delivers each Bcc recipient a copy
	// with the field itself (the third way).
	DisableRemoveBcc bool

	// Rewrite rewrites the reverse-path, and with Rewrite.Header the From
	// and Sender fields, by these configured rules only (RFC 6409, Section
	// 8.8). [New] fails for a rule that cannot be right. The zero value
	// rewrites nothing.
	Rewrite RewriteRules

	// Location is the time zone of Date fields the MSA adds (RFC 6409,
	// Section 8.2). nil means the zone of Now's result.
	Location *time.Location

	// DisableEnforceSender turns off the check that MAIL FROM, From and
	// Sender are addresses the identity may use (RFC 6409, Sections 6.1
	// and 6.3, both MAYs that the profile turns on).
	DisableEnforceSender bool

	// DisableCheckHeader turns off the header syntax and required-field
	// checks (RFC 6409, Sections 5.1 and 6.3).
	DisableCheckHeader bool

	// DisableAddDate stops the MSA adding or correcting Date (RFC 6409,
	// Section 8.2). A message without Date is then relayed without one,
	// which RFC 5322, Section 3.6 does not allow: set it only when a later
	// stage adds the field.
	DisableAddDate bool

	// DisableAddMessageID stops the MSA adding or replacing Message-ID
	// (RFC 6409, Section 8.3, a SHOULD).
	DisableAddMessageID bool

	// MaxSize bounds the message in octets, header and body as received
	// (RFC 1870; 552 5.3.4, also for a larger SIZE= at MAIL). 0 means 32
	// MiB; a negative value means no limit. [Agent.MaxSize] gives the
	// limit in force.
	MaxSize int64

	// MaxRecipients bounds the recipients of one transaction (452 4.5.3,
	// RFC 5321, Section 4.5.3.1.10). 0 means 100, the least RFC 5321,
	// Section 4.5.3.1.8 allows; a negative value means no limit. A value
	// below 100 violates that section and is honoured only because it is
	// explicit.
	MaxRecipients int

	// Header bounds the header block of each message; zero fields mean
	// the defaults of [header.ReadOptions]. The header size is further
	// capped by MaxSize.
	Header header.ReadOptions

	// Policies are appended to the RFC 6409 profile, in order, in the
	// same [policy.Chain]; each takes part in the stages it implements.
	Policies []policy.Policy

	// Logger receives the log records (RFC 6409, Section 5.2). nil
	// discards them.
	Logger *slog.Logger

	// ClientLogRate and ClientLogBurst limit log records caused by
	// clients (rejections, suspicious input) to a token bucket of
	// ClientLogBurst records refilled at ClientLogRate per second (RFC
	// 6409, Section 5.2). 0 means the defaults, 10 records per second
	// and a burst of 50; a negative value of either means no limit, as a
	// negative MaxSize or MaxRecipients does.
	// Trace records are never limited, nor is the first record of an
	// internal error (see the package documentation, "Logging").
	ClientLogRate  float64
	ClientLogBurst int

	// Now is the clock for Received dates, Date fields, trace records and
	// rate limits. nil means time.Now.
	Now func() time.Time

	// Random is the source of submission ids and Message-IDs. nil means
	// crypto/rand. Reads are serialised, so a source that is not safe for
	// concurrent use is fine.
	Random io.Reader

	// Trace receives the traceability record of every accepted message
	// (RFC 5068, Section 3.1). nil means the records are logged at Info
	// level through Logger.
	Trace TraceSink

	// Limits bounds the messages and recipients each identity may send
	// per window and throttles failed AUTH per client address and user
	// name, with the store that keeps the counts (shared by replicas, or
	// in-process). The zero value limits nothing. See [Limits].
	Limits Limits

	// Signer, when set, signs every accepted message after all the other
	// changes and after Received (RFC 6409, Section 8.5; DKIM, RFC 6376):
	// see [Signer] for when it is called and [SignedReader] for how its
	// fields reach the front of the queued message, which the server must
	// write. nil means messages are queued unsigned.
	Signer Signer

	// Observer, when set, is told every MAIL, RCPT, end of data and AUTH
	// decision with its reply code, enhanced code and policy, for metrics
	// (see [Observer]). nil means none, at no cost.
	Observer Observer

	// AuthWindow, when set, authorizes a session whose client address
	// logged in to POP or IMAP recently ("POP before SMTP", RFC 6409,
	// Section 3.3): an unauthenticated session asks it at each MAIL,
	// before any policy runs, and takes the identity it returns. nil means
	// off.
	AuthWindow AuthWindow

	// DisableReceivedClientAddr leaves the client's IP address out of the
	// Received field (RFC 5321, Section 4.4 makes the TCP-info a SHOULD),
	// for privacy; the HELO name and the id remain.
	DisableReceivedClientAddr bool

	// DisableReceived stops [Session.Data] prepending a Received field,
	// for a server that writes that trace field itself (RFC 5321, Section
	// 4.4 wants one per hop): an MTA that calls msakit through the milter
	// protocol has added its own before msakit sees the message.
	// Everything else is unchanged: the DATA stage runs, the message is
	// checked and the trace record is written (RFC 5068, Section 3.1), but
	// its id then appears in no header field, so the server should log it
	// next to the id of its own Received.
	DisableReceived bool

	// StageTimeout bounds each stage of a submission, so that the server
	// answers every command in time (RFC 6409, Section 5.3: in fewer than
	// 2 minutes, even DATA). MAIL, RCPT, the header stage of DATA and the
	// end of the message (signature, sending limits, trace record) each
	// get a context whose deadline is StageTimeout away, and every
	// callback of that stage receives it: the policies (Senders,
	// AllowRecipient, Config.Policies), the AuthWindow, the limit store,
	// the Signer and the TraceSink. A callback that returns after the
	// deadline, with an error or without, is our outage, never the
	// client's fault: 451 4.4.3 (X.4.3, RFC 3463, Section 3.5), and an
	// Error record names the callback. A stage that runs no callback of
	// the Config gets no deadline: msakit's own work needs none. 0 means
	// 30 seconds; a negative value means no deadline of msakit's own (the
	// server's ctx alone).
	// Callbacks must honour ctx: Go cannot stop one that ignores it, so
	// the reply waits for it to return. AUTH has no stage deadline: its
	// exchange waits for the client between challenges, so the server's
	// ctx bounds it, and an Authenticator's failure is 454 4.7.0.
	StageTimeout time.Duration

	// DisableUndeclared8Bit refuses 8-bit message data that MAIL did not
	// declare with BODY=8BITMIME (554 5.6.1, RFC 6152, Section 3), the
	// strict reading. By default such a message is accepted, as Postfix
	// and Exim accept it and as Python's smtplib, msmtp, swaks and curl
	// send it: RFC 6409, Section 8 lets an MSA complete a message, and the
	// transaction is treated as 8BITMIME from the first 8-bit octet on
	// ([policy.Transaction].Undeclared8Bit and BodyType, the
	// [TraceRecord]'s Body), logged at Info once per message, so that a
	// relay sends it with BODY=8BITMIME or converts it ([Downgrade]).
	// 8-bit octets in the header need SMTPUTF8 either way (RFC 6532): a
	// header cannot be converted to 7 bits.
	DisableUndeclared8Bit bool

	// Chunking offers CHUNKING and BINARYMIME (RFC 3030), both MAY in RFC
	// 6409, Section 7. Set it only when the server implements BDAT.
	Chunking bool

	// DisableExtensions names EHLO keywords (case-insensitive) that
	// [Agent.Extensions] must not offer, for a server that does not
	// implement them, such as "DSN" when the queue cannot send
	// notifications or "STARTTLS" without a certificate. AUTH cannot be
	// left out: RFC 6409, Section 7 makes it a MUST; [New] fails.
	DisableExtensions []string
}
