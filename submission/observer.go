package submission

import (
	"context"

	"github.com/emersion/go-sasl"
)

// Observer is told every decision an [Agent] takes, as it takes it, so
// that a server can count them: replies by stage, code, enhanced code and
// policy, AUTH successes and failures, message sizes (examples/msa exports
// them as Prometheus metrics). It sees decisions only, never addresses,
// credentials or message content.
//
// Observe is called synchronously on the session's goroutine, after the
// decision and before the server replies: it must be quick (increment a
// counter, no I/O) and safe for concurrent use, as sessions run at once.
// ctx is the command's context. A nil Config.Observer costs nothing but a
// nil check per decision.
type Observer interface {
	Observe(ctx context.Context, e Event)
}

// Event is one decision of an [Agent]: a MAIL, a RCPT, the end of a
// message's data (DATA or BDAT) or an AUTH exchange, accepted or refused.
// Every field holds a value of a small, fixed set (no client input), so a
// metric may use each as a label.
type Event struct {
	// Stage is the command decided: StageMail, StageRcpt, StageData or
	// StageAuth (RFC 5321, Section 3.3; RFC 4954).
	Stage Stage
	// Code is the reply's code (RFC 5321, Section 4.2) when refused, 0
	// when accepted. A refusal is reported once, with the reply the
	// client gets; a DATA accepted here can still fail in the server's
	// queue, which the Agent does not see.
	Code int
	// Enhanced is the refusal's enhanced status code, "5.7.1" (RFC 3463);
	// "" when accepted.
	Enhanced string
	// Policy names the policy that refused (Reply.Policy: "require-auth",
	// "enforce-sender", ...): a built-in policy of the profile (see the
	// package documentation), one of Config.Policies, or one of
	// Config.Limits: "message-limit" (451 4.7.1), "recipient-limit" (452
	// 4.5.3), "auth-throttle" (454 4.7.0, 421 4.7.0), and "limit-store"
	// for a command refused because the LimitStore failed (451 4.3.0, 454
	// 4.7.0 at AUTH), which sets this outage apart from every other
	// internal error. "" when accepted or when the refusal is not a
	// policy's (syntax, sequence, other internal errors).
	Policy string
	// Mechanism is the SASL mechanism of an AUTH exchange ("PLAIN",
	// "LOGIN", "EXTERNAL", "OAUTHBEARER"); "" at other stages and for a
	// mechanism msakit does not implement (what the client named is not
	// reported).
	Mechanism string
	// Size is the number of message octets received, header and body as
	// the client sent them, when StageData ends in the body: accepted at
	// its end, or refused while it was read (bare LF, size, ...); 0
	// otherwise.
	Size int64
}

// knownMechanism returns mech when it is a mechanism msakit implements,
// else "": an Event carries no client input.
func knownMechanism(mech string) string {
	switch mech {
	case sasl.Plain, sasl.Login, sasl.External, sasl.OAuthBearer:
		return mech
	}
	return ""
}
