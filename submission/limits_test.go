package submission_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// limitFixture is a fixture with Config.Limits on a store and a clock the
// test can look at and move.
type limitFixture struct {
	*fixture
	clk   *manualClock
	store *submission.MemoryLimitStore
	auth  *countingAuth
}

func newLimitFixture(t *testing.T, l submission.Limits) *limitFixture {
	t.Helper()
	lf := &limitFixture{clk: newManualClock()}
	lf.store = &submission.MemoryLimitStore{Now: lf.clk.now}
	lf.fixture = newFixture(t, func(c *submission.Config) {
		lf.auth = &countingAuth{a: c.Authenticator}
		c.Authenticator = lf.auth
		c.Now = lf.clk.now
		if l.Store == nil {
			l.Store = lf.store
		}
		c.Limits = l
	})
	return lf
}

// count reads key's count in the store.
func (lf *limitFixture) count(t *testing.T, key string) int64 {
	t.Helper()
	r, err := lf.store.Add(t.Context(), key, 0, 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return r.Count
}

// countingAuth counts the passwords it is asked to check, each taking
// delay.
type countingAuth struct {
	a     auth.Authenticator
	delay time.Duration
	calls atomic.Int64
}

var _ auth.Authenticator = (*countingAuth)(nil)

func (c *countingAuth) AuthenticatePassword(ctx context.Context, authzid, username, password string) (auth.Identity, error) {
	c.calls.Add(1)
	time.Sleep(c.delay)
	return c.a.AuthenticatePassword(ctx, authzid, username, password)
}

// sessionFrom is a TLS session from addr, not authenticated.
func (f *fixture) sessionFrom(addr string) *submission.Session {
	c := conn()
	c.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(addr), 50000)
	return f.agent.NewSession(c)
}

// plain runs AUTH PLAIN on s.
func plain(t *testing.T, s *submission.Session, user, password string) error {
	t.Helper()
	return exchange(s, t, "PLAIN", "\x00"+user+"\x00"+password)
}

// send runs MAIL, the RCPTs and DATA with the test message, reading the
// message to its end; it returns the first error.
func send(ctx context.Context, s *submission.Session, rcpts ...string) error {
	if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
		return err
	}
	for _, r := range rcpts {
		if err := s.Rcpt(ctx, r, nil); err != nil {
			return err
		}
	}
	r, err := s.Data(ctx, strings.NewReader(crlf(message)))
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}

// wantText checks that err's reply text contains want.
func wantText(t *testing.T, what string, err error, want string) {
	t.Helper()
	r, ok := errors.AsType[*policy.Reply](err)
	if !ok || !strings.Contains(r.Text, want) {
		t.Fatalf("%s = %v, want a reply whose text has %q", what, err, want)
	}
}

// wantPolicy checks that err is a reply decided by the named policy: how
// a caller tells the replies of the limits from others with the same codes
// (452 4.5.3 of max-recipients, 454 4.7.0 of a failing Authenticator).
func wantPolicy(t *testing.T, what string, err error, name string) {
	t.Helper()
	r, ok := errors.AsType[*policy.Reply](err)
	if !ok || r.Policy != name {
		t.Fatalf("%s = %v, want a reply of policy %q", what, err, name)
	}
}

// TestLimitsMessages: the message limit refuses MAIL once used up, says
// when to retry, and opens again when the window ends.
func TestLimitsMessages(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{Messages: submission.Limit{Max: 2, Per: time.Hour}})
	ctx := t.Context()
	s := lf.session()
	wantReply(t, "message 1", send(ctx, s, "<bob@example.com>"), 0, "")
	wantReply(t, "message 2", send(ctx, s, "<bob@example.com>", "<carol@example.com>"), 0, "")
	err := s.Mail(ctx, "<alice@example.org>", nil)
	wantReply(t, "MAIL over the limit", err, 451, "4.7.1")
	wantText(t, "MAIL over the limit", err, "2 messages per 1h reached, try again in 1h")
	wantPolicy(t, "MAIL over the limit", err, "message-limit")
	if s.Transaction() != nil {
		t.Error("a transaction is open after the refused MAIL")
	}
	lf.clk.advance(42*time.Minute + 30*time.Second)
	wantText(t, "MAIL later", s.Mail(ctx, "<alice@example.org>", nil), "try again in 18m")
	lf.clk.advance(17 * time.Minute)
	wantText(t, "MAIL later still", s.Mail(ctx, "<alice@example.org>", nil), "try again in 30s")
	lf.clk.advance(29*time.Second + 500*time.Millisecond)
	wantText(t, "MAIL at the end", s.Mail(ctx, "<alice@example.org>", nil), "try again in 1s")
	lf.clk.advance(500 * time.Millisecond)
	wantReply(t, "message after the window", send(ctx, s, "<bob@example.com>"), 0, "")
	if got := lf.count(t, "msg:user:alice"); got != 1 {
		t.Errorf("count in the new window = %d, want 1", got)
	}
	if n := len(lf.trace.all()); n != 3 {
		t.Errorf("%d messages accepted, want 3", n)
	}
}

// TestLimitsMessageChargedAtEnd: a message counts at the end of its data,
// so two transactions that both passed MAIL compete there, and the one
// refused gives its recipients back.
func TestLimitsMessageChargedAtEnd(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{
		Messages:   submission.Limit{Max: 1, Per: time.Hour},
		Recipients: submission.Limit{Max: 10, Per: time.Hour},
	})
	ctx := t.Context()
	s1, s2 := lf.session(), lf.session()
	var readers []io.Reader
	for i, s := range []*submission.Session{s1, s2} {
		wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
		wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
		wantReply(t, "RCPT", s.Rcpt(ctx, "<carol@example.com>", nil), 0, "")
		r, err := s.Data(ctx, strings.NewReader(crlf(message)))
		wantReply(t, "DATA", err, 0, "")
		readers = append(readers, r)
		if got := lf.count(t, "msg:user:alice"); got != 0 {
			t.Fatalf("after DATA %d began, message count = %d, want 0 (charged at the end)", i, got)
		}
	}
	if got := lf.count(t, "rcpt:user:alice"); got != 4 {
		t.Fatalf("recipients charged = %d, want 4", got)
	}
	_, err := io.Copy(io.Discard, readers[0])
	wantReply(t, "end of data 1", err, 0, "")
	_, err = io.Copy(io.Discard, readers[1])
	wantReply(t, "end of data 2", err, 451, "4.7.1")
	if got := lf.count(t, "rcpt:user:alice"); got != 2 {
		t.Errorf("recipients charged after the refusal = %d, want 2 (given back)", got)
	}
	if got := lf.count(t, "msg:user:alice"); got != 1 {
		t.Errorf("messages charged = %d, want 1", got)
	}
	if n := len(lf.trace.all()); n != 1 {
		t.Errorf("%d trace records, want 1", n)
	}
}

// TestLimitsRecipients: recipients are charged when accepted, over all
// messages; one over the limit gets 452 4.5.3 and the transaction goes
// on; a recipient a policy refused costs nothing.
func TestLimitsRecipients(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{Recipients: submission.Limit{Max: 3, Per: 24 * time.Hour}})
	ctx := t.Context()
	s := lf.session()
	wantReply(t, "message 1", send(ctx, s, "<bob@example.com>", "<carol@example.com>"), 0, "")
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT refused by a policy", s.Rcpt(ctx, "<bob@sales>", nil), 554, "5.1.2")
	wantReply(t, "RCPT 3", s.Rcpt(ctx, "<dave@example.com>", nil), 0, "")
	err := s.Rcpt(ctx, "<erin@example.com>", nil)
	wantReply(t, "RCPT 4", err, 452, "4.5.3")
	wantText(t, "RCPT 4", err, "3 recipients per 24h reached, try again in 24h")
	wantPolicy(t, "RCPT 4", err, "recipient-limit")
	r, err := s.Data(ctx, strings.NewReader(crlf(message)))
	wantReply(t, "DATA with the accepted recipient", err, 0, "")
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	recs := lf.trace.all()
	if len(recs) != 2 || len(recs[1].Recipients) != 1 || recs[1].Recipients[0].String() != "<dave@example.com>" {
		t.Fatalf("trace = %+v, want the second message to dave only", recs)
	}
	if got := lf.count(t, "rcpt:user:alice"); got != 3 {
		t.Errorf("recipients charged = %d, want 3", got)
	}
}

// TestLimitsGiveBack: recipients charged by a transaction that ends
// without an accepted message are given back: RSET, a new EHLO, STARTTLS,
// a refused header, a refused body.
func TestLimitsGiveBack(t *testing.T) {
	t.Parallel()
	ends := []struct {
		name string
		end  func(t *testing.T, s *submission.Session)
	}{
		{"RSET", func(_ *testing.T, s *submission.Session) { s.Reset() }},
		{"EHLO", func(_ *testing.T, s *submission.Session) { s.SetHelo("client.example.org", true) }},
		{"header refused", func(t *testing.T, s *submission.Session) {
			_, err := s.Data(t.Context(), strings.NewReader(crlf("To: bob@example.com\n\nno From\n")))
			wantReply(t, "DATA", err, 554, "5.6.0")
		}},
		{"body refused", func(t *testing.T, s *submission.Session) {
			r, err := s.Data(t.Context(), strings.NewReader(crlf(message)+"bare\nLF\r\n"))
			wantReply(t, "DATA", err, 0, "")
			_, err = io.Copy(io.Discard, r)
			wantReply(t, "end of data", err, 554, "5.6.0")
		}},
	}
	for _, tc := range ends {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lf := newLimitFixture(t, submission.Limits{
				Messages:   submission.Limit{Max: 5, Per: time.Hour},
				Recipients: submission.Limit{Max: 5, Per: time.Hour},
			})
			ctx := t.Context()
			s := lf.session()
			wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
			for _, r := range []string{"<bob@example.com>", "<carol@example.com>", "<dave@example.com>"} {
				wantReply(t, "RCPT", s.Rcpt(ctx, r, nil), 0, "")
			}
			if got := lf.count(t, "rcpt:user:alice"); got != 3 {
				t.Fatalf("recipients charged = %d, want 3", got)
			}
			tc.end(t, s)
			if got := lf.count(t, "rcpt:user:alice"); got != 0 {
				t.Errorf("recipients charged after %s = %d, want 0", tc.name, got)
			}
			if got := lf.count(t, "msg:user:alice"); got != 0 {
				t.Errorf("messages charged after %s = %d, want 0", tc.name, got)
			}
			// All five recipients are still there to use.
			wantReply(t, "full message", send(ctx, s, "<a@example.com>", "<b@example.com>", "<c@example.com>", "<d@example.com>", "<e@example.com>"), 0, "")
		})
	}
}

// TestLimitsTrustedByAddress: a session without an identity (a trusted
// network) is counted by its client address.
func TestLimitsTrustedByAddress(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{Messages: submission.Limit{Max: 1, Per: time.Hour}})
	ctx := t.Context()
	s := lf.trusted()
	wantReply(t, "message", send(ctx, s, "<bob@example.com>"), 0, "")
	if got := lf.count(t, "msg:ip:10.1.2.3"); got != 1 {
		t.Fatalf("count for the address = %d, want 1", got)
	}
	wantReply(t, "second MAIL", lf.trusted().Mail(ctx, "<printer@example.org>", nil), 451, "4.7.1")
	wantReply(t, "alice is not the printer", send(ctx, lf.session(), "<bob@example.com>"), 0, "")
}

// TestLimitsWithoutAddress: sessions without a client address (a local
// socket the server trusts, an in-process submission) share one count,
// "local", as the sessions from one address share theirs; sessions with an
// address or an identity are not charged with it.
func TestLimitsWithoutAddress(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{
		Messages:          submission.Limit{Max: 1, Per: time.Hour},
		AuthFailuresPerIP: submission.Limit{Max: 1, Per: time.Hour},
	})
	ctx := t.Context()
	local := func() *submission.Session {
		c := conn()
		c.RemoteAddr = netip.AddrPort{}
		c.Trusted = true
		return lf.agent.NewSession(c)
	}
	wantReply(t, "local message", send(ctx, local(), "<bob@example.com>"), 0, "")
	if got := lf.count(t, "msg:local"); got != 1 {
		t.Fatalf("msg:local = %d, want 1", got)
	}
	err := local().Mail(ctx, "<printer@example.org>", nil)
	wantReply(t, "second local MAIL", err, 451, "4.7.1")
	wantPolicy(t, "second local MAIL", err, "message-limit")
	wantReply(t, "trusted network", send(ctx, lf.trusted(), "<bob@example.com>"), 0, "")

	c := conn()
	c.RemoteAddr = netip.AddrPort{}
	wantReply(t, "local AUTH wrong", plain(t, lf.agent.NewSession(c), "alice", "wrong"), 535, "5.7.8")
	if got := lf.count(t, "authfail:local"); got != 1 {
		t.Fatalf("authfail:local = %d, want 1", got)
	}
	wantReply(t, "local AUTH throttled", plain(t, lf.agent.NewSession(c), "alice", "secret-a"), 454, "4.7.0")
	wantReply(t, "AUTH from an address", plain(t, lf.sessionFrom("192.0.2.40"), "alice", "secret-a"), 0, "")
	for _, key := range []string{"msg:ip:invalid IP", "authfail:ip:invalid IP"} {
		if got := lf.count(t, key); got != 0 {
			t.Errorf("%s = %d: the zero address is a key", key, got)
		}
	}
}

// TestLimitsAuthPerIP: after Max failures from an address, AUTH gets 454
// 4.7.0 without the password being checked, the session's third refusal is
// 421 4.7.0 and closes it, other addresses are not affected, and the window
// ending lifts the throttle.
func TestLimitsAuthPerIP(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerIP: submission.Limit{Max: 3, Per: 15 * time.Minute}})
	ctx := t.Context()
	s := lf.sessionFrom("192.0.2.10")
	for i := range 3 {
		wantReply(t, "wrong password", plain(t, s, "alice", "wrong"), 535, "5.7.8")
		if got := lf.auth.calls.Load(); got != int64(i+1) {
			t.Fatalf("%d passwords checked after %d attempts", got, i+1)
		}
	}
	err := plain(t, s, "alice", "wrong")
	wantReply(t, "4th attempt", err, 454, "4.7.0")
	wantText(t, "4th attempt", err, "try again in 15m")
	wantPolicy(t, "4th attempt", err, "auth-throttle")
	wantReply(t, "right password, throttled", plain(t, s, "alice", "secret-a"), 454, "4.7.0")
	if got := lf.auth.calls.Load(); got != 3 {
		t.Fatalf("%d passwords checked, want 3: the throttle must refuse before checking", got)
	}
	wantReply(t, "3rd refusal closes", plain(t, s, "alice", "secret-a"), 421, "4.7.0")
	wantReply(t, "AUTH after 421", plain(t, s, "alice", "secret-a"), 421, "4.7.0")
	wantReply(t, "MAIL after 421", s.Mail(ctx, "<alice@example.org>", nil), 421, "4.7.0")
	if !strings.Contains(lf.logs.String(), "level=WARN msg=\"rejected: too many failed authentication attempts\"") {
		t.Errorf("throttled AUTH not logged at Warn:\n%s", lf.logs)
	}

	other := lf.sessionFrom("192.0.2.11")
	wantReply(t, "other address", plain(t, other, "alice", "secret-a"), 0, "")
	// IPv4-mapped IPv6 is the same address.
	wantReply(t, "same address, mapped", plain(t, lf.sessionFrom("::ffff:192.0.2.10"), "alice", "secret-a"), 454, "4.7.0")

	lf.clk.advance(15 * time.Minute)
	wantReply(t, "after the window", plain(t, lf.sessionFrom("192.0.2.10"), "alice", "secret-a"), 0, "")
}

// TestLimitsAuthSuccessKeepsCount: a success does not reset the address's
// count (only its own attempt is not counted).
func TestLimitsAuthSuccessKeepsCount(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerIP: submission.Limit{Max: 3, Per: 15 * time.Minute}})
	s := lf.sessionFrom("192.0.2.20")
	wantReply(t, "wrong 1", plain(t, s, "bob", "wrong"), 535, "5.7.8")
	wantReply(t, "wrong 2", plain(t, s, "bob", "wrong"), 535, "5.7.8")
	wantReply(t, "right", plain(t, s, "bob", "secret-b"), 0, "")
	if got := lf.count(t, "authfail:ip:192.0.2.20"); got != 2 {
		t.Fatalf("failures counted = %d, want 2", got)
	}
	s = lf.sessionFrom("192.0.2.20")
	wantReply(t, "wrong 3", plain(t, s, "bob", "wrong"), 535, "5.7.8")
	wantReply(t, "throttled", plain(t, s, "bob", "secret-b"), 454, "4.7.0")
	// A malformed response is no guess: it costs nothing.
	s = lf.sessionFrom("192.0.2.21")
	wantReply(t, "malformed", exchange(s, t, "PLAIN", "no NULs"), 501, "5.5.2")
	if got := lf.count(t, "authfail:ip:192.0.2.21"); got != 0 {
		t.Fatalf("malformed response counted as a failure: %d", got)
	}
}

// TestLimitsAuthIPv6Prefix: IPv6 clients are counted per /64.
func TestLimitsAuthIPv6Prefix(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerIP: submission.Limit{Max: 2, Per: time.Hour}})
	wantReply(t, "wrong 1", plain(t, lf.sessionFrom("2001:db8:1:2::1"), "bob", "x"), 535, "5.7.8")
	wantReply(t, "wrong 2", plain(t, lf.sessionFrom("2001:db8:1:2:ffff::9"), "bob", "x"), 535, "5.7.8")
	wantReply(t, "same /64", plain(t, lf.sessionFrom("2001:db8:1:2::77"), "bob", "secret-b"), 454, "4.7.0")
	wantReply(t, "next /64", plain(t, lf.sessionFrom("2001:db8:1:3::1"), "bob", "secret-b"), 0, "")
}

// TestLimitsAuthPerUser: failures for a user name count whatever the
// address, the name prepared as the Authenticator prepares it; a throttled
// name is refused without its password being checked, other names are not
// affected.
func TestLimitsAuthPerUser(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerUser: submission.Limit{Max: 2, Per: time.Hour}})
	wantReply(t, "alice wrong", plain(t, lf.sessionFrom("192.0.2.1"), "alice", "x"), 535, "5.7.8")
	wantReply(t, "Alice wrong", plain(t, lf.sessionFrom("192.0.2.2"), "Alice", "x"), 535, "5.7.8")
	err := login(t, lf.sessionFrom("192.0.2.3"), "alice", "secret-a")
	wantReply(t, "alice right, throttled (LOGIN)", err, 454, "4.7.0")
	if got := lf.auth.calls.Load(); got != 2 {
		t.Fatalf("%d passwords checked, want 2", got)
	}
	wantReply(t, "bob", plain(t, lf.sessionFrom("192.0.2.3"), "bob", "secret-b"), 0, "")
	long := strings.Repeat("x", 300)
	wantReply(t, "long name", plain(t, lf.sessionFrom("192.0.2.4"), long, "x"), 535, "5.7.8")
	if got := lf.count(t, "authfail:user:"+long); got != 0 {
		t.Fatal("a long user name was used as a key as it is")
	}
}

// login runs AUTH LOGIN on s.
func login(t *testing.T, s *submission.Session, user, password string) error {
	t.Helper()
	srv, err := s.NewSASLServer(t.Context(), "LOGIN")
	if err != nil {
		return err
	}
	for _, resp := range [][]byte{nil, []byte(user), []byte(password)} {
		if _, _, err := srv.Next(resp); err != nil {
			return err
		}
	}
	return nil
}

// TestLimitsAuthAbandonedGivenBack: an exchange that ends without a
// verdict (the client cancels it with "*", RFC 4954, Section 4, and the
// server calls Next no more; or it goes away) keeps its failure charged
// only while it runs: Reset, a new AUTH or MAIL gives it back, and the
// abandoned server refuses any later Next.
func TestLimitsAuthAbandonedGivenBack(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerIP: submission.Limit{Max: 1, Per: time.Hour}})
	const ipKey = "authfail:ip:192.0.2.30"
	for _, end := range []struct {
		name string
		f    func(*submission.Session) error
	}{
		{"Reset", func(s *submission.Session) error { s.Reset(); return nil }},
		{"new AUTH", func(s *submission.Session) error { return plain(t, s, "alice", "secret-a") }},
		{"MAIL", func(s *submission.Session) error {
			wantReply(t, "MAIL", s.Mail(t.Context(), "<alice@example.org>", nil), 530, "5.7.0")
			return nil
		}},
		{"EHLO", func(s *submission.Session) error { s.SetHelo("client.example.org", true); return nil }},
	} {
		s := lf.sessionFrom("192.0.2.30")
		srv, err := s.NewSASLServer(t.Context(), "LOGIN")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := srv.Next(nil); err != nil {
			t.Fatal(err)
		}
		if got := lf.count(t, ipKey); got != 1 {
			t.Fatalf("%s: %d failures charged while the exchange runs, want 1", end.name, got)
		}
		// The charge holds the limit for others while it runs.
		wantReply(t, end.name+": other session during the exchange", plain(t, lf.sessionFrom("192.0.2.30"), "alice", "secret-a"), 454, "4.7.0")
		wantReply(t, end.name+": what ends it", end.f(s), 0, "")
		if got := lf.count(t, ipKey); got != 0 {
			t.Fatalf("%s: %d failures charged after the exchange ended without a verdict, want 0", end.name, got)
		}
		_, _, err = srv.Next([]byte("alice"))
		wantReply(t, end.name+": Next after the session moved on", err, 454, "4.7.0")
		wantReply(t, end.name+": other session after", plain(t, lf.sessionFrom("192.0.2.30"), "alice", "secret-a"), 0, "")
	}
	if got := lf.auth.calls.Load(); got != 5 {
		t.Fatalf("%d passwords checked, want 5 (the abandoned exchanges checked none)", got)
	}
	// A verdict of invalid credentials stays charged whatever follows.
	s := lf.sessionFrom("192.0.2.31")
	wantReply(t, "wrong", login(t, s, "alice", "wrong"), 535, "5.7.8")
	s.Reset()
	if got := lf.count(t, "authfail:ip:192.0.2.31"); got != 1 {
		t.Fatalf("a failed exchange was given back by Reset: count %d, want 1", got)
	}
}

// TestLimitsAuthConcurrent: attempts racing from one address cannot check
// more passwords than the limit allows, since each is charged before its
// check.
func TestLimitsAuthConcurrent(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{AuthFailuresPerIP: submission.Limit{Max: 10, Per: time.Hour}})
	lf.auth.delay = 5 * time.Millisecond // a slow check widens any race
	var wg sync.WaitGroup
	var invalid, throttled atomic.Int64
	for range 50 {
		wg.Go(func() {
			err := plain(t, lf.sessionFrom("192.0.2.99"), "alice", "wrong")
			r, _ := errors.AsType[*policy.Reply](err)
			switch {
			case r != nil && r.Code == 535 && r.Enhanced == "5.7.8":
				invalid.Add(1)
			case r != nil && r.Code == 454 && r.Enhanced == "4.7.0":
				throttled.Add(1)
			default:
				t.Errorf("AUTH = %v", err)
			}
		})
	}
	wg.Wait()
	if lf.auth.calls.Load() != 10 || invalid.Load() != 10 || throttled.Load() != 40 {
		t.Fatalf("50 concurrent attempts, limit 10: %d checked, %d got 535, %d got 454", lf.auth.calls.Load(), invalid.Load(), throttled.Load())
	}
}

// failingStore fails every call after the first ok ones.
type failingStore struct {
	submission.MemoryLimitStore
	ok    atomic.Int64
	calls atomic.Int64
}

func (f *failingStore) Add(ctx context.Context, key string, n, limit int64, window time.Duration) (submission.LimitResult, error) {
	if f.calls.Add(1) > f.ok.Load() {
		return submission.LimitResult{}, errors.New("store unreachable")
	}
	return f.MemoryLimitStore.Add(ctx, key, n, limit, window)
}

// TestLimitsStoreDown: a failing store is logged at Error; failing closed
// refuses with 451 4.3.0 (454 4.7.0 at AUTH), failing open lets the
// command through uncounted.
func TestLimitsStoreDown(t *testing.T) {
	t.Parallel()
	all := submission.Limits{
		Messages:            submission.Limit{Max: 5, Per: time.Hour},
		Recipients:          submission.Limit{Max: 5, Per: time.Hour},
		AuthFailuresPerIP:   submission.Limit{Max: 5, Per: time.Hour},
		AuthFailuresPerUser: submission.Limit{Max: 5, Per: time.Hour},
	}
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		l := all
		l.Store = &failingStore{}
		lf := newLimitFixture(t, l)
		ctx := t.Context()
		s := lf.session()
		wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 451, "4.3.0")
		wantReply(t, "AUTH", plain(t, lf.sessionFrom("192.0.2.1"), "alice", "secret-a"), 454, "4.7.0")
		if lf.auth.calls.Load() != 0 {
			t.Error("password checked while failing closed")
		}
		if !strings.Contains(lf.logs.String(), "level=ERROR msg=\"limit store failed, failing closed\"") || !strings.Contains(lf.logs.String(), "store unreachable") {
			t.Errorf("store failure not logged at Error:\n%s", lf.logs)
		}
	})
	t.Run("closed at the end of data", func(t *testing.T) {
		t.Parallel()
		l := all
		st := &failingStore{}
		st.ok.Store(3) // MAIL, two RCPT
		l.Store = st
		lf := newLimitFixture(t, l)
		err := send(t.Context(), lf.session(), "<bob@example.com>", "<carol@example.com>")
		wantReply(t, "end of data", err, 451, "4.3.0")
		if n := len(lf.trace.all()); n != 0 {
			t.Errorf("%d messages accepted, want 0", n)
		}
	})
	t.Run("open", func(t *testing.T) {
		t.Parallel()
		l := all
		l.Store = &failingStore{}
		l.FailOpen = true
		lf := newLimitFixture(t, l)
		ctx := t.Context()
		wantReply(t, "AUTH wrong", plain(t, lf.sessionFrom("192.0.2.1"), "alice", "x"), 535, "5.7.8")
		s := lf.sessionFrom("192.0.2.1")
		wantReply(t, "AUTH", plain(t, s, "alice", "secret-a"), 0, "")
		wantReply(t, "message", send(ctx, s, "<bob@example.com>"), 0, "")
		s.Reset()
		if n := len(lf.trace.all()); n != 1 {
			t.Errorf("%d messages accepted, want 1", n)
		}
		if !strings.Contains(lf.logs.String(), "level=ERROR msg=\"limit store failed, failing open\"") {
			t.Errorf("store failure not logged at Error:\n%s", lf.logs)
		}
	})
}

// TestLimitsStoreOutageLoggedOnce: a store that stays down is logged at
// Error once when it starts failing and then at most once per interval,
// with the number of failures in between, not once per refused command;
// one record says when it answers again. Other internal errors are still
// logged each time.
func TestLimitsStoreOutageLoggedOnce(t *testing.T) {
	t.Parallel()
	errorLines := func(logs string) []string {
		var out []string
		for l := range strings.Lines(logs) {
			if strings.Contains(l, "level=ERROR") {
				out = append(out, l)
			}
		}
		return out
	}
	l := submission.Limits{
		Messages:          submission.Limit{Max: 5, Per: time.Hour},
		AuthFailuresPerIP: submission.Limit{Max: 5, Per: time.Hour},
	}
	t.Run("closed", func(t *testing.T) {
		t.Parallel()
		st := &failingStore{}
		l := l
		l.Store = st
		lf := newLimitFixture(t, l)
		ctx := t.Context()
		for i := range 100 {
			wantReply(t, fmt.Sprint("MAIL ", i), lf.session().Mail(ctx, "<alice@example.org>", nil), 451, "4.3.0")
		}
		for i := range 20 {
			wantReply(t, fmt.Sprint("AUTH ", i), plain(t, lf.sessionFrom("192.0.2.1"), "alice", "secret-a"), 454, "4.7.0")
		}
		errs := errorLines(lf.logs.String())
		if len(errs) != 1 || !strings.Contains(errs[0], `msg="limit store failed, failing closed"`) || !strings.Contains(errs[0], "store unreachable") {
			t.Fatalf("120 refusals in one outage logged %d Error records, want 1 naming the store's error:\n%s", len(errs), errs)
		}
		lf.clk.advance(10 * time.Second)
		wantReply(t, "MAIL after the interval", lf.session().Mail(ctx, "<alice@example.org>", nil), 451, "4.3.0")
		errs = errorLines(lf.logs.String())
		if len(errs) != 2 || !strings.Contains(errs[1], "suppressed=119") {
			t.Fatalf("after the interval: %d Error records, want a second one with suppressed=119:\n%s", len(errs), errs)
		}
		st.ok.Store(1 << 40) // the store answers again
		for range 3 {
			wantReply(t, "MAIL when the store is back", lf.session().Mail(ctx, "<alice@example.org>", nil), 0, "")
		}
		if n := strings.Count(lf.logs.String(), `level=WARN msg="limit store answers again"`); n != 1 {
			t.Fatalf("%d records of the store answering again, want 1:\n%s", n, lf.logs)
		}
	})
	t.Run("open", func(t *testing.T) {
		t.Parallel()
		l := l
		l.Store = &failingStore{}
		l.FailOpen = true
		lf := newLimitFixture(t, l)
		lf.fixture = newFixture(t, func(c *submission.Config) {
			c.Now = lf.clk.now
			c.Limits = l
			c.Policies = []policy.Policy{policy.Funcs{PolicyName: "directory",
				CheckRcpt: func(_ context.Context, _ *policy.Conn, _ *policy.Transaction, r *policy.Recipient) error {
					return fmt.Errorf("directory down for %s", r.Path.Mailbox().LocalPart)
				}}}
		})
		ctx := t.Context()
		for i := range 30 {
			s := lf.session()
			wantReply(t, fmt.Sprint("MAIL ", i), s.Mail(ctx, "<alice@example.org>", nil), 0, "")
			wantReply(t, fmt.Sprint("RCPT ", i), s.Rcpt(ctx, fmt.Sprintf("<bob%d@example.com>", i), nil), 451, "4.3.0")
		}
		errs := errorLines(lf.logs.String())
		if n := strings.Count(lf.logs.String(), `level=ERROR msg="limit store failed, failing open"`); n != 1 {
			t.Errorf("30 commands failing open logged %d store records, want 1", n)
		}
		if n := strings.Count(lf.logs.String(), "directory down"); n != 30 || len(errs) != 31 {
			t.Errorf("the policy's 30 distinct internal errors were logged %d times (%d Error records in all), want each", n, len(errs))
		}
	})
}

// ctxStore is a MemoryLimitStore that fails once ctx is done, as a store
// over the network does.
type ctxStore struct{ submission.MemoryLimitStore }

func (c *ctxStore) Add(ctx context.Context, key string, n, limit int64, window time.Duration) (submission.LimitResult, error) {
	if err := ctx.Err(); err != nil {
		return submission.LimitResult{}, err
	}
	return c.MemoryLimitStore.Add(ctx, key, n, limit, window)
}

// TestLimitsGivenBackAfterCancel: the recipients of a message whose reader
// fails because the command's context ended (the client went away) are
// given back all the same, and that is no outage of the store.
func TestLimitsGivenBackAfterCancel(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{Recipients: submission.Limit{Max: 10, Per: time.Hour}})
	st := &ctxStore{}
	st.Now = lf.clk.now
	lf.fixture = newFixture(t, func(c *submission.Config) {
		c.Now = lf.clk.now
		c.Limits = submission.Limits{Recipients: submission.Limit{Max: 10, Per: time.Hour}, Store: st}
	})
	ctx, cancel := context.WithCancel(t.Context())
	s := lf.session()
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT 1", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	wantReply(t, "RCPT 2", s.Rcpt(ctx, "<carol@example.com>", nil), 0, "")
	r, err := s.Data(ctx, strings.NewReader(crlf(message)))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.Copy(io.Discard, r)
	wantReply(t, "reading after the context ended", err, 451, "4.3.0")
	if got, _ := st.Add(t.Context(), "rcpt:user:alice", 0, 10, time.Hour); got.Count != 0 {
		t.Errorf("%d recipients still charged after the refused message, want 0", got.Count)
	}
	if strings.Contains(lf.logs.String(), "limit store failed") {
		t.Errorf("a done context was logged as a store failure:\n%s", lf.logs)
	}
}

// TestLimitsConfig: New refuses limits that cannot be meant.
func TestLimitsConfig(t *testing.T) {
	t.Parallel()
	for _, l := range []submission.Limits{
		{Messages: submission.Limit{Max: -1, Per: time.Hour}},
		{Recipients: submission.Limit{Max: 10}},
		{AuthFailuresPerIP: submission.Limit{Max: 10, Per: -time.Second}},
		{AuthFailuresPerUser: submission.Limit{Max: -5}},
	} {
		_, err := submission.New(submission.Config{Hostname: mustDomain(t, "msa.example.org"), Limits: l})
		if err == nil || !strings.Contains(err.Error(), "Limits.") {
			t.Errorf("New with %+v = %v, want an error naming the field", l, err)
		}
	}
	if s := (submission.Limit{Max: 100, Per: time.Hour}).String(); s != "100/1h" {
		t.Errorf("Limit.String = %q", s)
	}
	if s := (submission.Limit{Max: 10, Per: 90 * time.Minute}).String(); s != "10/1h30m" {
		t.Errorf("Limit.String = %q", s)
	}
}

// TestLimitsCheckCountsNothing: Agent.Check, which must record nothing,
// neither charges nor consults the limits of an agent that has them.
func TestLimitsCheckCountsNothing(t *testing.T) {
	t.Parallel()
	lf := newLimitFixture(t, submission.Limits{
		Messages:   submission.Limit{Max: 1, Per: time.Hour},
		Recipients: submission.Limit{Max: 1, Per: time.Hour},
	})
	sub := submission.Submission{Conn: lf.session().Conn(), From: "<alice@example.org>",
		To: []string{"<bob@example.com>", "<carol@example.com>"}, Message: []byte(crlf(message))}
	for i := range 3 {
		if rep := lf.agent.Check(t.Context(), sub); rep.Reply != nil {
			t.Fatalf("Check %d: %v", i, rep.Reply)
		}
	}
	if got := lf.count(t, "rcpt:user:alice") + lf.count(t, "msg:user:alice"); got != 0 {
		t.Fatalf("Check charged %d events", got)
	}
}
