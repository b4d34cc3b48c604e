package submission

import (
	"context"
	"log/slog"
	"strconv"
	"unicode/utf8"
)

// Attribute keys of every log record the package writes, fixed so that log
// pipelines can rely on them (RFC 6409, Section 5.2 asks an MSA to log
// errors; these keys make those records searchable). Addresses are logged
// through their [slog.LogValuer]; strings the client sent are sanitised
// first (control characters escaped, length capped at [MaxLogStringLen]).
// Passwords, SASL payloads, tokens, header values other than addresses and
// Message-ID, and body bytes are never logged.
const (
	LogKeyStage      = "stage"         // MAIL, RCPT, DATA, AUTH
	LogKeyPolicy     = "policy"        // name of the policy that decided
	LogKeyCode       = "smtp_code"     // basic reply code (RFC 5321, Section 4.2)
	LogKeyEnhanced   = "smtp_enhanced" // enhanced status code (RFC 3463)
	LogKeyFrom       = "from"          // reverse-path
	LogKeyRcpt       = "rcpt"          // forward-path
	LogKeyIdentity   = "identity"      // authenticated user
	LogKeyErr        = "err"           // internal cause, never sent to the client
	LogKeyID         = "submission_id" // id of the submission (Received "id")
	LogKeyRemote     = "remote"        // client address and port
	LogKeyMessageID  = "message_id"    // Message-ID of the accepted message
	LogKeyMechanism  = "mechanism"     // SASL mechanism
	LogKeySuppressed = "suppressed"    // client-error records dropped by the rate limit
	LogKeyRecipients = "recipients"    // number of recipients
	LogKeySize       = "size"          // message octets received
)

// MaxLogStringLen caps a client-supplied string in a log record, in octets
// before escaping; longer strings are cut and marked with "...". It keeps a
// hostile client from writing megabytes into the log with one command
// (RFC 6409, Section 5.2).
const MaxLogStringLen = 256

// sanitize returns s fit for a log record: control characters, DEL and
// invalid UTF-8 are escaped Go-style, and s is cut at MaxLogStringLen
// octets. A clean short string is returned as is, without allocating.
func sanitize(s string) string {
	clean := len(s) <= MaxLogStringLen
	if clean {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
				clean = false
				break
			}
		}
	}
	if clean {
		return s
	}
	cut := false
	if len(s) > MaxLogStringLen {
		s = s[:MaxLogStringLen]
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

// logger bundles the configured logger and the rate limit for records
// caused by clients (RFC 6409, Section 5.2).
type logger struct {
	l      *slog.Logger
	client *tokenBucket
}

// enabled reports whether records at level would be written.
func (lg *logger) enabled(ctx context.Context, level slog.Level) bool {
	return lg.l.Enabled(ctx, level)
}

// log writes a record that is not caused by the client (internal errors,
// trace records); it is never rate limited.
func (lg *logger) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	lg.l.LogAttrs(ctx, level, msg, attrs...)
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
			slog.Int64(LogKeySuppressed, dropped))
	}
	lg.l.LogAttrs(ctx, level, msg, attrs...)
}
