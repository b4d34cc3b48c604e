package submission

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
	"github.com/msakit/msakit/policy"
)

// Attribute keys of every log record the package writes, fixed so that log
// pipelines can rely on them (RFC 6409, Section 5.2 asks an MSA to log
// errors; these keys make those records searchable). Addresses are logged
// through their [slog.LogValuer]; strings the client sent are sanitised
// first (control characters escaped, length capped at maxLogStringLen).
// Passwords, SASL payloads, tokens, header values other than addresses and
// Message-ID, and body bytes are never logged.
const (
	logKeyStage      = "stage"         // MAIL, RCPT, DATA, AUTH
	logKeyPolicy     = "policy"        // name of the policy that decided
	logKeyCode       = "smtp_code"     // basic reply code (RFC 5321, Section 4.2)
	logKeyEnhanced   = "smtp_enhanced" // enhanced status code (RFC 3463)
	logKeyFrom       = "from"          // reverse-path
	logKeyRcpt       = "rcpt"          // forward-path
	logKeyIdentity   = "identity"      // authenticated user
	logKeyErr        = "err"           // internal cause, never sent to the client
	logKeyID         = "submission_id" // id of the submission (Received "id")
	logKeyRemote     = "remote"        // client address and port
	logKeyMessageID  = "message_id"    // Message-ID of the accepted message
	logKeyMechanism  = "mechanism"     // SASL mechanism
	logKeySuppressed = "suppressed"    // client-error records dropped by the rate limit
	logKeyRecipients = "recipients"    // number of recipients
	logKeySize       = "size"          // message octets received
	logKeyLimitKey   = "limit_key"     // key of a sending limit or AUTH throttle
	logKeyOutage     = "outage"        // how long a dependency was down
	logKeyBody       = "body"          // body type of an accepted message (RFC 6152)
)

// maxLogStringLen caps a client-supplied string in a log record, in octets
// before escaping; longer strings are cut and marked with "...". It keeps a
// hostile client from writing megabytes into the log with one command
// (RFC 6409, Section 5.2).
const maxLogStringLen = 256

// maxLogErrLen caps the text of an internal error in a log record; it is
// longer than maxLogStringLen because causes nest, but still bounded since
// an error may quote what the client sent.
const maxLogErrLen = 4 * maxLogStringLen

// sanitize returns s fit for a log record: control characters, DEL and
// invalid UTF-8 are escaped Go-style, and s is cut at maxLogStringLen
// octets. A clean short string is returned as is, without allocating.
func sanitize(s string) string { return sanitizeN(s, maxLogStringLen) }

// sanitizeN is sanitize with a cap of limit octets.
func sanitizeN(s string, limit int) string {
	clean := len(s) <= limit
	if clean {
		for i := 0; i < len(s); i++ {
			if c := s[i]; ascii.IsCtl(c) || c >= 0x80 {
				clean = false
				break
			}
		}
	}
	if clean {
		return s
	}
	cut := false
	if len(s) > limit {
		s = s[:limit]
		cut = true
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b = append(b, `\x`...)
			b = append(b, hexDigit[c>>4], hexDigit[c&0xf])
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029:
			q := strconv.QuoteRune(r)
			b = append(b, q[1:len(q)-1]...)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	if cut {
		b = append(b, "..."...)
	}
	return string(b)
}

const hexDigit = "0123456789abcdef"

// clientString is a log attribute holding a sanitised client string.
func clientString(key, s string) slog.Attr { return slog.String(key, sanitize(s)) }

// errAttrs are the attributes of an internal error: its sanitised text and,
// when a policy of the chain failed, the policy's name.
func errAttrs(err error) []slog.Attr {
	attrs := []slog.Attr{slog.String(logKeyErr, sanitizeN(err.Error(), maxLogErrLen))}
	if pe, ok := errors.AsType[*policy.Error](err); ok && pe.Policy != "" {
		attrs = append(attrs, slog.String(logKeyPolicy, pe.Policy))
	}
	return attrs
}

// pathAttr logs an envelope path: "<>", "<Postmaster>", or the mailbox
// through its LogValuer (both domain forms).
func pathAttr(key string, p envelope.Path) slog.Attr {
	switch {
	case p.IsNull(), p.IsPostmaster():
		return slog.String(key, p.String())
	}
	return slog.Any(key, p.Mailbox())
}

// logger bundles the configured logger, the rate limit for records
// caused by clients and the memory of internal errors logged lately (RFC
// 6409, Section 5.2).
type logger struct {
	l       *slog.Logger
	client  *tokenBucket
	now     func() time.Time
	repeats *repeatedErrors
}

// enabled reports whether records at level would be written.
func (lg *logger) enabled(ctx context.Context, level slog.Level) bool {
	return lg.l.Enabled(ctx, level)
}

// log writes a record that is not caused by the client (internal errors,
// trace records); it is never rate limited (internalError keeps repeats of
// one internal error from flooding the log).
func (lg *logger) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	lg.l.LogAttrs(ctx, level, msg, attrs...)
}

// internalError writes the record of a command refused for an internal
// error: at Error with its cause (errAttrs) the first time, then, while
// the same error (the same text) comes again within outageLogInterval, at
// Info without the cause and under the client rate limit, the next Error
// record of it saying how many were left out ("suppressed"). A dependency
// that is down fails every command with one error, which is one cause to
// log, not one per command; another error is always written at once.
func (lg *logger) internalError(ctx context.Context, attrs []slog.Attr, err error) {
	if !lg.l.Enabled(ctx, slog.LevelError) {
		return
	}
	ea := errAttrs(err)
	log, suppressed := lg.repeats.admit(ea[0].Value.String(), lg.now())
	if !log {
		lg.clientLog(ctx, slog.LevelInfo, "internal error, repeated", attrs...)
		return
	}
	if suppressed > 0 {
		ea = append(ea, slog.Int64(logKeySuppressed, suppressed))
	}
	lg.l.LogAttrs(ctx, slog.LevelError, "internal error", append(attrs, ea...)...)
}

// clientLog writes a record caused by the client (a rejection, suspicious
// input) when the token bucket allows it. Records it drops are counted; the
// next record that passes is preceded by a summary with that count, so the
// log shows that something was dropped and how much.
func (lg *logger) clientLog(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if !lg.l.Enabled(ctx, level) {
		return
	}
	ok, dropped := lg.client.take()
	if !ok {
		return
	}
	if dropped > 0 {
		lg.l.LogAttrs(ctx, slog.LevelWarn, "client error log records suppressed by rate limit",
			slog.Int64(logKeySuppressed, dropped))
	}
	lg.l.LogAttrs(ctx, level, msg, attrs...)
}
