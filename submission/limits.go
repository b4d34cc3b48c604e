package submission

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/policy"
)

// LimitStore counts events per key in fixed windows: the state behind the
// sending limits and the AUTH-failure throttle of [Limits], a site policy
// (RFC 6409, Section 4.3 lets an MSA refuse submissions by local policy;
// RFC 4954, Section 6 gives 454 for a temporary AUTH refusal). MSA
// replicas that share one store enforce one limit together;
// [MemoryLimitStore] is the in-process default.
//
// Add adds n to key's count in the current window, unless n > 0 and
// count+n would exceed limit, in which case nothing is added. A window of
// length window starts at the first Add of n > 0 to a key that has no
// count; when it ends the count is gone. n == 0 only reads (it starts no
// window). n < 0 gives back: it is never refused, never takes the count
// below zero, keeps the window running, and is a no-op when the window has
// ended. Add returns whether n was added (true for n <= 0), the count
// afterwards, and how long until the window ends (0 when none runs).
//
// The check and the charge must be one atomic step, also across processes
// sharing the store: a shared store does both in one round trip (a script
// run by the server, not a read followed by a write). Add must be safe for
// concurrent use. An error means the store failed (it is our outage, never
// the client's): the Agent fails open or closed as [Limits].FailOpen says,
// and logs the failure as described there. An error while the command's
// context is done is not taken for a failure of the store.
//
// The Agent's keys are "msg:" and "rcpt:" followed by "user:NAME" (the
// identity) or "ip:ADDR" (a session without one), "authfail:ip:ADDR"
// (IPv6 as its /64 prefix) and "authfail:user:NAME"; a NAME longer than 64
// octets is replaced by "sha256:" and 32 hex digits of its hash. Sessions
// without a client address (a local socket, an in-process submission:
// policy.Conn.RemoteAddr zero) share "local" in place of "ip:ADDR"
// ("msg:local", "rcpt:local", "authfail:local"), as the sessions from one
// address share its key. A shared store may prefix them.
type LimitStore interface {
	Add(ctx context.Context, key string, n, limit int64, window time.Duration) (LimitResult, error)
}

// LimitResult is what [LimitStore.Add] reports.
type LimitResult struct {
	// Added reports whether n was added; always true for n <= 0.
	Added bool
	// Count is the key's count after the call; 0 when it has none.
	Count int64
	// ResetIn is how long until the key's window ends and its count is
	// gone; 0 when no window runs for the key. A count given back to 0
	// keeps its window.
	ResetIn time.Duration
}

// Limit allows at most Max events in each window of length Per. The zero
// value means no limit; [New] refuses a negative Max and a positive Max
// without a positive Per.
type Limit struct {
	Max int64
	Per time.Duration
}

// on reports whether the limit applies.
func (l Limit) on() bool { return l.Max > 0 }

// String gives the limit as "100/1h", the form the example programs parse;
// "0" for no limit.
func (l Limit) String() string {
	if !l.on() {
		return "0"
	}
	return fmt.Sprintf("%d/%s", l.Max, shortDuration(l.Per))
}

// Limits are per-identity sending limits and the AUTH-failure throttle, a
// site policy of the MSA (RFC 6409, Section 4.3; RFC 5068, Section 3
// makes the MSA responsible for what its users send). A zero field means
// no limit; the zero Limits limits nothing. Their replies name them in
// Reply.Policy, as the built-in policies' do: "message-limit",
// "recipient-limit", "auth-throttle" (and "limit-store", see FailOpen). Windows are fixed: each key's
// window starts with its first counted event and lasts Per, so a client
// may use up to twice Max across the end of one window and the start of
// the next.
//
// Sending limits are counted per identity ([auth.Identity.User]), and per
// client IP address for sessions without one (trusted networks); sessions
// with neither (a trusted local socket) share one count, "local". They are
// charged when used: a recipient when its RCPT has passed every policy,
// given back when the transaction is reset (RSET, EHLO, STARTTLS, the end
// of the session: [Session.Reset], [Session.SetHelo], [Session.SetTLS]) or
// its message refused;
// a message at the end of its data, after the DATA checks. A message that
// ends in a refusal, and a transaction that is reset, count for nothing.
// A message whose reader the server abandons before its end, or fails to
// queue after the end, keeps its recipients charged until the window ends
// (see [Session.Data]).
type Limits struct {
	// Messages bounds the messages each identity may submit per window.
	// MAIL is refused when the count is already at Max, and the end of
	// data when the message would go over it: 451 4.7.1 (RFC 3463,
	// Section 3.8), with the time left in the text.
	Messages Limit

	// Recipients bounds the recipients each identity may send to per
	// window, counted over all its messages: a RCPT over it gets 452
	// 4.5.3 (RFC 5321, Section 4.5.3.1.10; RFC 3463, Section 3.6) with the
	// time left in the text, and the transaction goes on with the
	// recipients already accepted.
	Recipients Limit

	// AuthFailuresPerIP bounds failed AUTH exchanges (535 5.7.8) per
	// client IP address (IPv6 per /64). At Max, further AUTH commands
	// from that address get 454 4.7.0 (RFC 4954, Section 6) without any
	// credential being checked, until the window ends; a success does not
	// reset the count. The third refused AUTH of a session gets 421 4.7.0
	// and the server closes the connection (RFC 5321, Section 3.8).
	AuthFailuresPerIP Limit

	// AuthFailuresPerUser is AuthFailuresPerIP counted per user name (as
	// sent in PLAIN and LOGIN, after [auth.NormalizeUsername]), whatever
	// the address. Keep it above AuthFailuresPerIP: an attacker can lock
	// a user out by failing with the user's name.
	AuthFailuresPerUser Limit

	// Store keeps the counts. nil means a [MemoryLimitStore] of the
	// Agent's own (on the Agent's clock), which replicas do not share.
	Store LimitStore

	// FailOpen lets a submission or AUTH go ahead uncounted when the
	// Store fails. The default (false) fails closed: the command gets
	// 451 4.3.0 (454 4.7.0 at AUTH), a temporary refusal, as the outage is
	// ours, with Reply.Policy "limit-store" (and so in the logs and the
	// [Event]). Either way the failure is logged at Error: when the Store
	// starts failing, then at most once every 10 seconds while it keeps
	// failing, with the number of failures in between ("suppressed"), not
	// once per command (RFC 6409, Section 5.2); one record at Warn says
	// when it answers again. Each refused command is logged at Info,
	// under the client log rate limit.
	FailOpen bool
}

// on reports whether any limit applies.
func (l *Limits) on() bool {
	return l.Messages.on() || l.Recipients.on() || l.AuthFailuresPerIP.on() || l.AuthFailuresPerUser.on()
}

// check refuses a limit that cannot be what the operator meant.
func (l *Limits) check() error {
	for _, f := range [...]struct {
		name string
		l    Limit
	}{
		{"Messages", l.Messages}, {"Recipients", l.Recipients},
		{"AuthFailuresPerIP", l.AuthFailuresPerIP}, {"AuthFailuresPerUser", l.AuthFailuresPerUser},
	} {
		switch {
		case f.l.Max < 0:
			return fmt.Errorf("submission: Limits.%s: negative Max %d", f.name, f.l.Max)
		case f.l.Max > 0 && f.l.Per <= 0:
			return fmt.Errorf("submission: Limits.%s: Max %d needs a positive Per", f.name, f.l.Max)
		}
	}
	return nil
}

// The names the replies of the limits carry in Reply.Policy (and so in
// the "policy" log attribute and Event.Policy): a caller tells them from
// replies with the same codes (452 4.5.3 of max-recipients, 454 4.7.0 of
// an Authenticator that failed) by Code, Enhanced and Policy, as every
// reply (DESIGN.md, "A small public API").
const (
	// policyMessageLimit refuses with 451 4.7.1 (Limits.Messages).
	policyMessageLimit = "message-limit"
	// policyRecipientLimit refuses with 452 4.5.3 (Limits.Recipients).
	policyRecipientLimit = "recipient-limit"
	// policyAuthThrottle refuses with 454 4.7.0, then 421 4.7.0
	// (Limits.AuthFailuresPerIP, AuthFailuresPerUser).
	policyAuthThrottle = "auth-throttle"
	// policyLimitStore refuses with 451 4.3.0 (454 4.7.0 at AUTH) while
	// the LimitStore fails and Limits.FailOpen is off: our outage, told
	// apart from every other internal error.
	policyLimitStore = "limit-store"
)

// Causes wrapped (as Reply.Err) by the replies of the limits, for logs
// and this package's tests.
var (
	// errMessageLimit: the identity reached Limits.Messages; 451 4.7.1.
	errMessageLimit = errors.New("submission: message limit reached")
	// errRecipientLimit: the identity reached Limits.Recipients; 452
	// 4.5.3.
	errRecipientLimit = errors.New("submission: recipient limit reached")
	// errAuthThrottled: too many failed AUTH exchanges from the client's
	// address or for the user name; 454 4.7.0, or 421 4.7.0 when the
	// session is closed (RFC 4954, Section 6; RFC 5321, Section 3.8).
	errAuthThrottled = errors.New("submission: too many failed authentication attempts")
)

// Keys in the store: what is counted, then whose count it is.
const (
	keyMessages   = "msg:"
	keyRecipients = "rcpt:"
	keyAuthFail   = "authfail:"
	keyAuthIP     = keyAuthFail + "ip:"
	keyAuthUser   = keyAuthFail + "user:"
)

// maxKeyName is the longest name put in a key as it is; longer ones (a
// user name is up to 12 KB of what the client sent) are hashed.
const maxKeyName = 64

// keyName returns name, or a hash of it when it is long.
func keyName(name string) string {
	if len(name) <= maxKeyName {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// keyLocal stands for the client address of a session without one (a
// local socket, a submission handed over in-process: [policy.Conn]
// RemoteAddr zero): such sessions are one client, the local host, as the
// sessions from one address are.
const keyLocal = "local"

// senderKey is whose sending limits a session uses: the identity, or the
// client address for a session without one (a trusted network), or
// keyLocal without either.
func senderKey(id auth.Identity, remote netip.AddrPort) string {
	if u := id.User(); u != "" {
		return "user:" + keyName(u)
	}
	if !remote.Addr().IsValid() {
		return keyLocal
	}
	return "ip:" + remote.Addr().Unmap().String()
}

// authIPKey is the AUTH-failure key of a client address: the address for
// IPv4, its /64 for IPv6 (one host usually holds a whole /64), and
// "authfail:local" for a session without an address.
func authIPKey(remote netip.AddrPort) string {
	a := remote.Addr().Unmap()
	switch {
	case !a.IsValid():
		return keyAuthFail + keyLocal
	case a.Is6():
		p, _ := a.Prefix(64)
		return keyAuthIP + p.String()
	}
	return keyAuthIP + a.String()
}

// authUserKey is the AUTH-failure key of a user name as the client sent
// it, prepared as [auth.Users] prepares it so that "Alice" and "alice"
// share a count.
func authUserKey(username string) string {
	if n, err := auth.NormalizeUsername(username); err == nil {
		username = n
	}
	return keyAuthUser + keyName(username)
}

// limitAdd calls the store's Add for key under l. counted reports whether
// the store answered: when it fails, the failure is logged (storeFailed)
// and, with FailOpen, r says Added (the event goes ahead uncounted, nothing
// to give back); otherwise a *storeError is returned, for a 4xx reply. An
// error when ctx is done (or its deadline has passed, see ended) is the
// command's, not the store's, and is returned as it is. An agent without a store (the copy Agent.Check runs)
// lets everything through uncounted.
func (a *Agent) limitAdd(ctx context.Context, key string, n int64, l Limit) (r LimitResult, counted bool, err error) {
	if a.limits == nil {
		return LimitResult{Added: true}, false, nil
	}
	r, err = a.limits.Add(ctx, key, n, l.Max, l.Per)
	switch {
	case err == nil:
		a.storeAnswered(ctx)
		return r, true, nil
	case ended(ctx):
		return LimitResult{}, false, fmt.Errorf("submission: limit store: %w", err)
	case !a.cfg.Limits.FailOpen:
		a.storeFailed(ctx, "limit store failed, failing closed", key, err)
		return LimitResult{}, false, &storeError{err: err}
	}
	a.storeFailed(ctx, "limit store failed, failing open", key, err)
	return LimitResult{Added: true}, false, nil
}

// giveBack returns n events charged to key; a failing store is logged
// (storeFailed), and the count then expires with its window. It runs
// also when ctx is done (a client that went away is given its charges
// back): the store bounds its own calls, as for [Session.Reset].
func (a *Agent) giveBack(ctx context.Context, key string, n int64, l Limit) {
	if n <= 0 || a.limits == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if _, err := a.limits.Add(ctx, key, -n, l.Max, l.Per); err != nil {
		a.storeFailed(ctx, "limit store failed, count not given back", key, err)
		return
	}
	a.storeAnswered(ctx)
}

// storeError is the failure of the limit store when failing closed: the
// command gets 451 4.3.0 (454 4.7.0 at AUTH) with Policy "limit-store"
// (ReplyFor), and the failure is logged by storeFailed, once per outage
// and interval, not again for each command it refuses.
type storeError struct{ err error }

func (e *storeError) Error() string { return "submission: limit store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// isStoreError reports whether err is, or wraps, a *storeError.
func isStoreError(err error) bool {
	_, ok := errors.AsType[*storeError](err)
	return ok
}

// storeFailed logs a failure of the limit store at Error, with msg, the
// key and the store's error: the first failure of an outage, then one per
// outageLogInterval with the number of failures not logged in between
// ("suppressed"). An outage of the store is one cause, and each refused
// command would say the same again (RFC 6409, Section 5.2).
func (a *Agent) storeFailed(ctx context.Context, msg, key string, err error) {
	log, suppressed := a.storeOutage.failed(a.now())
	if !log {
		return
	}
	attrs := []slog.Attr{slog.String(logKeyLimitKey, key), slog.String(logKeyErr, sanitizeN(err.Error(), maxLogErrLen))}
	if suppressed > 0 {
		attrs = append(attrs, slog.Int64(logKeySuppressed, suppressed))
	}
	a.log.log(ctx, slog.LevelError, msg, attrs...)
}

// storeAnswered ends an outage of the limit store, if there was one, with
// one record at Warn: how long it lasted and how many failures were not
// logged since the last record.
func (a *Agent) storeAnswered(ctx context.Context) {
	ended, since, suppressed := a.storeOutage.answered()
	if !ended {
		return
	}
	a.log.log(ctx, slog.LevelWarn, "limit store answers again",
		slog.Duration(logKeyOutage, a.now().Sub(since)), slog.Int64(logKeySuppressed, suppressed))
}

// Replies of the limits. Each returns a new value.

func replyMessageLimit(l Limit, resetIn time.Duration) *policy.Reply {
	// 451 is a reply RFC 5321, Section 4.3.2 allows to MAIL and to the
	// end of data; X.7.1 "delivery not authorized" (RFC 3463, Section 3.8)
	// with a transient class, as the window ends.
	return withPolicy(reply(451, "4.7.1",
		fmt.Sprintf("Sending limit of %d messages per %s reached, try again in %s", l.Max, shortDuration(l.Per), retryIn(resetIn)),
		errMessageLimit), policyMessageLimit)
}

func replyRecipientLimit(l Limit, resetIn time.Duration) *policy.Reply {
	// RFC 5321, Section 4.5.3.1.10: too many recipients is 452, so the
	// client sends the rest later; X.5.3 (RFC 3463, Section 3.6).
	return withPolicy(withErr(withText(replyTooManyRecipients(),
		fmt.Sprintf("Sending limit of %d recipients per %s reached, try again in %s", l.Max, shortDuration(l.Per), retryIn(resetIn))),
		errRecipientLimit), policyRecipientLimit)
}

func replyAuthThrottled(resetIn time.Duration) *policy.Reply {
	// RFC 4954, Section 6: 454 4.7.0 "Temporary authentication failure".
	return withPolicy(withErr(withText(replyAuthTemporaryFailure(),
		"Too many failed authentication attempts, try again in "+retryIn(resetIn)),
		errAuthThrottled), policyAuthThrottle)
}

func replyAuthClosing() *policy.Reply {
	// RFC 5321, Section 3.8: 421 ends the session, the server closes the
	// connection after sending it; X.7.0 (RFC 3463, Section 3.8).
	return withPolicy(reply(421, "4.7.0", "Too many failed authentication attempts, closing connection", errAuthThrottled), policyAuthThrottle)
}

// replyStoreDown is the reply to a command refused because the limit
// store failed (failing closed): the generic reply to an internal failure
// at stage, named policyLimitStore.
func replyStoreDown(stage Stage, err error) *policy.Reply {
	return withPolicy(localError(stage, err), policyLimitStore)
}

// withPolicy sets r.Policy, the name of what decided, on r, a new value
// of this package's constructors, and returns it.
func withPolicy(r *policy.Reply, name string) *policy.Reply {
	r.Policy = name
	return r
}

// retryIn is how a reply tells when to retry: d rounded up to the second,
// or to the minute from one minute on ("45s", "17m", "1h5m").
func retryIn(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "1s"
	case d < time.Minute:
		return shortDuration((d + time.Second - 1).Truncate(time.Second))
	}
	return shortDuration((d + time.Minute - 1).Truncate(time.Minute))
}

// shortDuration is d.String() without zero minutes and seconds: "1h",
// "15m", "1h30m", "90ms".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
