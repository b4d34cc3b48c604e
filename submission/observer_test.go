package submission_test

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/submission"
)

// eventLog is an Observer that records what it is told.
type eventLog struct {
	mu     sync.Mutex
	events []submission.Event
}

func (l *eventLog) Observe(_ context.Context, e submission.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

var _ submission.Observer = (*eventLog)(nil)

// nopObserver is told everything and does nothing.
type nopObserver struct{}

func (nopObserver) Observe(context.Context, submission.Event) {}

// The Observer is told every decision once, with the reply the client
// gets: accepted MAIL, RCPT and DATA (with its size), refusals with code,
// enhanced code and policy, AUTH successes and failures with the
// mechanism, and nothing of what the client sent.
func TestObserver(t *testing.T) {
	t.Parallel()
	obs := &eventLog{}
	f := newFixture(t, func(c *submission.Config) { c.Observer = obs })
	ctx := t.Context()

	anon := f.anonymous()
	wantReply(t, "MAIL without AUTH", anon.Mail(ctx, "<alice@example.org>", nil), 530, "5.7.0")
	srv, err := anon.NewSASLServer(ctx, "PLAIN")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = srv.Next([]byte("\x00alice\x00wrong"))
	wantReply(t, "AUTH with a wrong password", err, 535, "5.7.8")
	_, err = anon.NewSASLServer(ctx, "X-SECRET-MECH")
	wantReply(t, "AUTH with an unknown mechanism", err, 504, "5.5.4")
	srv, err = anon.NewSASLServer(ctx, "PLAIN")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Next([]byte("\x00alice\x00secret-a")); err != nil {
		t.Fatal(err)
	}
	wantReply(t, "MAIL of someone else", anon.Mail(ctx, "<mallory@example.com>", nil), 550, "5.7.1")
	wantReply(t, "MAIL", anon.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT unqualified", anon.Rcpt(ctx, "<bob@example>", nil), 554, "5.1.2")
	wantReply(t, "RCPT", anon.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	r, err := anon.Data(ctx, strings.NewReader(crlf(message)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		t.Fatal(err)
	}
	wantReply(t, "MAIL", anon.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT", anon.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	bad := strings.Replace(crlf(message), "\r\n\r\n", "\r\n\r\nbare\nLF\r\n", 1)
	r, err = anon.Data(ctx, strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, r)
	wantReply(t, "DATA with a bare LF", err, 554, "5.6.0")

	sizeOK := int64(len(crlf(message)))
	want := []submission.Event{
		{Stage: submission.StageMail, Code: 530, Enhanced: "5.7.0", Policy: "require-auth"},
		{Stage: submission.StageAuth, Code: 535, Enhanced: "5.7.8", Mechanism: "PLAIN"},
		{Stage: submission.StageAuth, Code: 504, Enhanced: "5.5.4"},
		{Stage: submission.StageAuth, Mechanism: "PLAIN"},
		{Stage: submission.StageMail, Code: 550, Enhanced: "5.7.1", Policy: "enforce-sender"},
		{Stage: submission.StageMail},
		{Stage: submission.StageRcpt, Code: 554, Enhanced: "5.1.2", Policy: "qualify-domains"},
		{Stage: submission.StageRcpt},
		{Stage: submission.StageData, Size: sizeOK},
		{Stage: submission.StageMail},
		{Stage: submission.StageRcpt},
		{Stage: submission.StageData, Code: 554, Enhanced: "5.6.0", Size: int64(len(bad))},
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if !slices.Equal(obs.events, want) {
		t.Errorf("events:\n%+v\nwant:\n%+v", obs.events, want)
	}
	if n <= sizeOK {
		t.Errorf("the message read out has %d octets, want more than the %d received (Received, Message-ID...)", n, sizeOK)
	}
}

// BenchmarkObserver: a whole submission (MAIL, RCPT, DATA of a typical
// header) without an Observer, which must cost what it cost before the
// Observer existed (compare BenchmarkSessionData/msakit with the commit
// before it), and with one that does nothing.
func BenchmarkObserver(b *testing.B) {
	msg := typicalHeader + "Thanks, see you Thursday.\r\n"
	for _, tc := range []struct {
		name string
		obs  submission.Observer
	}{
		{"nil", nil},
		{"noop", nopObserver{}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			f := newFixture(b, func(c *submission.Config) {
				c.Logger = nil
				c.Trace = submission.TraceSinkFunc(nopTrace)
				c.Observer = tc.obs
			})
			benchSubmit(b, f.session(), msg)
		})
	}
}

// windowDown is an AuthWindow whose directory is down.
type windowDown struct{}

func (windowDown) Lookup(context.Context, netip.Addr) (auth.Identity, bool, error) {
	return auth.Identity{}, false, errors.New("directory unreachable")
}

// An Observer tells an outage of the limit store (Policy "limit-store")
// from every other internal error (no Policy), and each limit's refusal
// from replies with the same codes by its Policy.
func TestObserverLimits(t *testing.T) {
	t.Parallel()
	obs := &eventLog{}
	st := &failingStore{}
	st.ok.Store(2) // the two AUTH attempts answer
	f := newFixture(t, func(c *submission.Config) {
		c.Observer = obs
		c.AuthWindow = windowDown{}
		c.Limits = submission.Limits{
			Recipients:        submission.Limit{Max: 1, Per: time.Hour},
			AuthFailuresPerIP: submission.Limit{Max: 1, Per: time.Hour},
			Store:             st,
		}
	})
	ctx := t.Context()
	wantReply(t, "AUTH wrong", plain(t, f.anonymous(), "alice", "wrong"), 535, "5.7.8")
	err := plain(t, f.anonymous(), "alice", "wrong")
	wantReply(t, "AUTH throttled", err, 454, "4.7.0")
	wantPolicy(t, "AUTH throttled", err, "auth-throttle")
	wantReply(t, "MAIL, AuthWindow down", f.anonymous().Mail(ctx, "<alice@example.org>", nil), 451, "4.3.0")
	s := f.session()
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	err = s.Rcpt(ctx, "<bob@example.com>", nil)
	wantReply(t, "RCPT, store down", err, 451, "4.3.0")
	wantPolicy(t, "RCPT, store down", err, "limit-store")
	err = plain(t, f.anonymous(), "alice", "secret-a")
	wantReply(t, "AUTH, store down", err, 454, "4.7.0")
	wantPolicy(t, "AUTH, store down", err, "limit-store")

	want := []submission.Event{
		{Stage: submission.StageAuth, Code: 535, Enhanced: "5.7.8", Mechanism: "PLAIN"},
		{Stage: submission.StageAuth, Code: 454, Enhanced: "4.7.0", Policy: "auth-throttle", Mechanism: "PLAIN"},
		{Stage: submission.StageMail, Code: 451, Enhanced: "4.3.0"},
		{Stage: submission.StageMail},
		{Stage: submission.StageRcpt, Code: 451, Enhanced: "4.3.0", Policy: "limit-store"},
		{Stage: submission.StageAuth, Code: 454, Enhanced: "4.7.0", Policy: "limit-store", Mechanism: "PLAIN"},
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if !slices.Equal(obs.events, want) {
		t.Errorf("events:\n%+v\nwant:\n%+v", obs.events, want)
	}
}
