package submission

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
)

// TraceRecord is the traceability record of one accepted message: it maps
// the submission id, which the Received field carries, to who submitted
// what, from where and when, so that every submission can be traced back to
// its submitter (RFC 5068, Section 3.1; RFC 5321, Section 4.4 for the id).
type TraceRecord struct {
	// ID is the submission id, as in the Received "id" clause.
	ID string
	// Time is when the message was accepted: the end of its data.
	Time time.Time
	// Identity is who submitted it; zero for a session authorized by
	// network only (Trusted).
	Identity auth.Identity
	// RemoteAddr is the client's address and port.
	RemoteAddr netip.AddrPort
	// From is the reverse-path.
	From envelope.Path
	// Recipients are the accepted forward-paths, in order.
	Recipients []envelope.Path
	// MessageID is the Message-ID field's value of the message as queued
	// (added by the MSA when missing), "" when there is none.
	MessageID string
	// Size is the message size in octets as the client sent it.
	Size int64
	// Body is the body type the message was accepted as (RFC 6152, RFC
	// 3030): BODY= as declared, or policy.Body8BitMIME when its data
	// held 8-bit octets the client did not declare ([policy.Transaction]
	// BodyType); "" for 7-bit data without BODY=.
	Body policy.BodyType
}

// LogValue lets a record be logged as a group (with slog.Any): the
// traceability record of RFC 5068, Section 3.1, addresses sanitised.
func (r TraceRecord) LogValue() slog.Value {
	rcpts := make([]string, len(r.Recipients))
	for i, p := range r.Recipients {
		rcpts[i] = sanitize(p.String())
	}
	return slog.GroupValue(
		slog.String(logKeyID, r.ID),
		slog.Time("time", r.Time),
		slog.String(logKeyIdentity, sanitize(r.Identity.User())),
		slog.String(logKeyMechanism, r.Identity.Mechanism),
		slog.String(logKeyRemote, r.RemoteAddr.String()),
		slog.String(logKeyFrom, sanitize(r.From.String())),
		slog.Any(logKeyRcpt, rcpts),
		slog.String(logKeyMessageID, sanitize(r.MessageID)),
		slog.Int64(logKeySize, r.Size),
		slog.String(logKeyBody, string(r.Body)),
	)
}

// TraceSink receives the [TraceRecord] of every accepted message (RFC
// 5068, Section 3.1). With several MSA replicas it is the shared store
// that lets any of them answer "who sent the message with this id".
//
// Record is called once per message, when the reader returned by
// [Session.Data] reaches the end of the message after every check passed,
// with the context given to Data, before that reader returns io.EOF. If it
// returns an error, the reader returns 451 4.3.0 instead of io.EOF, so an
// untraceable message is not accepted. It must be safe for concurrent use.
type TraceSink interface {
	Record(ctx context.Context, r TraceRecord) error
}

// TraceSinkFunc adapts a function to [TraceSink] (RFC 5068, Section 3.1).
type TraceSinkFunc func(ctx context.Context, r TraceRecord) error

// Record calls f(ctx, r) (RFC 5068, Section 3.1).
func (f TraceSinkFunc) Record(ctx context.Context, r TraceRecord) error { return f(ctx, r) }

// LogTraceSink returns the default [TraceSink] (RFC 5068, Section 3.1;
// RFC 6409, Section 5.2): it writes each record to l
// at Info level as the message "submission accepted" with a "trace" group
// ([TraceRecord.LogValue]). These records are never rate limited. A nil l
// discards them.
func LogTraceSink(l *slog.Logger) TraceSink {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	return TraceSinkFunc(func(ctx context.Context, r TraceRecord) error {
		if l.Enabled(ctx, slog.LevelInfo) { // slog.Any would allocate first
			l.LogAttrs(ctx, slog.LevelInfo, "submission accepted", slog.Any("trace", r))
		}
		return nil
	})
}
