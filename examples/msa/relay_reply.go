package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/msakit/msakit/policy"
)

// errNoSTARTTLS: -relay-tls requires TLS and the upstream does not offer
// STARTTLS.
var errNoSTARTTLS = errors.New("STARTTLS required by -relay-tls but not offered")

// failed turns a failure of the relay into the reply to the client's end
// of data, and logs it with what the upstream said: at Warn when the
// upstream refused the message or the relay had to (the message, its
// sender or its recipients are the cause), at Error when the relay could
// not do its job (unreachable upstream, TLS, AUTH, a protocol error: the
// operator's to fix). Other errors (a full disk) go back unchanged: the
// adapter logs them and answers 451 4.3.0.
func (r *relay) failed(ctx context.Context, tx *policy.Transaction, err error) error {
	attrs := []slog.Attr{slog.String("id", tx.ID), slog.String("upstream", r.addr)}
	var reply *policy.Reply
	level := slog.LevelWarn
	if up, ok := errors.AsType[*upstreamReply](err); ok {
		reply, level = upstreamRefusal(up)
		attrs = append(attrs, slog.String("upstream_stage", up.stage))
		if up.code != 0 {
			attrs = append(attrs, slog.Int("upstream_code", up.code), slog.String("upstream_enhanced", up.enhanced),
				slog.String("upstream_text", logText(up.text)))
		} else {
			attrs = append(attrs, slog.String("err", logText(up.err.Error())))
		}
	} else if reply, ok = errors.AsType[*policy.Reply](err); !ok {
		return err
	} else if reply.Code/100 == 4 {
		level = slog.LevelError // the relay's own set-up is at fault
	}
	attrs = append(attrs, slog.Int("smtp_code", reply.Code), slog.String("smtp_enhanced", reply.EnhancedCode()))
	r.logger.LogAttrs(ctx, level, "relay failed", attrs...)
	return reply
}

// logText cuts what the upstream said to a size fit for one log record;
// the handler escapes control characters.
func logText(s string) string {
	const max = 512
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// upstreamRefusal maps what went wrong with the upstream to a reply to the
// end of data, which can only be 250, 451, 452, 550, 552 or 554 (RFC 5321,
// Section 4.3.2); a code of another command (501, 503, 530, 553, ...) is
// never passed on. The enhanced code keeps the upstream's subject and
// detail in the class of the new code (RFC 3463, Section 2).
//
//   - No reply at all: 451 4.4.1 when the upstream cannot be reached, 451
//     4.7.4 when TLS is required and not offered, 451 4.7.5 when TLS
//     fails, 451 4.4.2 when the connection breaks (RFC 3463, Sections 3.5
//     and 3.8).
//   - A refusal of the greeting, EHLO, STARTTLS or AUTH: 451, the relay's
//     set-up is at fault, not the message.
//   - At MAIL, RCPT and the data: 4xx becomes 451, except 452 (RFC 5321,
//     Section 4.3.2 allows it at the end of data); 550, 551, 553 and 556
//     become 550; 552 and 554 stay; the codes that blame the relay's own
//     commands or credentials (500-504, 521, 530, 534, 535, 538, 555)
//     become 451; any other 5xx becomes 554.
func upstreamRefusal(e *upstreamReply) (*policy.Reply, slog.Level) {
	if e.code == 0 {
		enh, text := "4.4.2", "Connection with the upstream relay failed, try again later"
		switch {
		case e.stage == "connect":
			enh, text = "4.4.1", "Upstream relay unavailable, try again later"
		case errors.Is(e.err, errNoSTARTTLS):
			enh, text = "4.7.4", "Upstream relay does not offer TLS, try again later"
		case e.stage == "STARTTLS":
			enh, text = "4.7.5", "TLS with the upstream relay failed, try again later"
		case e.stage == "AUTH":
			enh, text = "4.7.0", "Authentication with the upstream relay failed, try again later"
		}
		return &policy.Reply{Code: 451, Enhanced: enh, Text: text, Err: e}, slog.LevelError
	}
	said := fmt.Sprintf("%d %s", e.code, e.enhanced)
	said = strings.TrimSpace(said)
	switch e.stage {
	case "greeting", "EHLO", "STARTTLS", "AUTH":
		return &policy.Reply{Code: 451, Enhanced: inClass(4, e.enhanced, "4.4.0"),
			Text: fmt.Sprintf("Upstream relay refused the relay's %s (%s), try again later", e.stage, said), Err: e}, slog.LevelError
	}
	code, level := 554, slog.LevelWarn
	switch c := e.code; {
	case c == 452:
		code = 452
	case c >= 400 && c < 500:
		code = 451
	case c == 550 || c == 551 || c == 553 || c == 556:
		code = 550
	case c == 552 || c == 554:
		code = c
	case c >= 500 && c <= 504 || c == 521 || c == 530 || c == 534 || c == 535 || c == 538 || c == 555:
		code, level = 451, slog.LevelError
	case c < 400 || c >= 600:
		// A success or an intermediate reply where none belongs.
		code, level = 451, slog.LevelError
	}
	text := fmt.Sprintf("Upstream relay refused the message at %s (%s)", e.stage, said)
	if code/100 == 4 {
		text = fmt.Sprintf("Upstream relay deferred the message at %s (%s), try again later", e.stage, said)
	}
	return &policy.Reply{Code: code, Enhanced: inClass(code/100, e.enhanced, ""), Text: text, Err: e}, level
}

// inClass rewrites an enhanced status code into class: "5.1.1" in class 4
// is "4.1.1"; def when enh is empty, or when the result is not a code
// policy.Reply.Valid accepts (RFC 3463, Section 2: an upstream may write a
// subject over 7 or a detail with a leading zero, and a reply carrying it
// would reach the client as 451 4.3.0).
func inClass(class int, enh, def string) string {
	_, rest, ok := strings.Cut(enh, ".")
	if !ok {
		return def
	}
	out := fmt.Sprintf("%d.%s", class, rest)
	if (&policy.Reply{Code: class * 100, Enhanced: out, Text: "-"}).Valid() != nil {
		return def
	}
	return out
}
