package submission_test

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// stall is a callback body that overruns: it waits for ctx to end, as a
// callback that honours ctx does on a backend that does not answer, or,
// with ignore, sleeps past the deadline without looking at ctx and then
// answers as if all were well.
func stall(ctx context.Context, ignore bool, d time.Duration) error {
	if ignore {
		time.Sleep(3 * d)
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

// stallStore is a LimitStore that overruns.
type stallStore struct {
	ignore bool
	d      time.Duration
}

var _ submission.LimitStore = stallStore{}

func (s stallStore) Add(ctx context.Context, _ string, _, _ int64, _ time.Duration) (submission.LimitResult, error) {
	err := stall(ctx, s.ignore, s.d)
	return submission.LimitResult{Added: true}, err
}

// stallSigner is a Signer whose Sign, or whose BodySigner's Sum, overruns.
type stallSigner struct {
	atSum bool
	d     time.Duration
}

var _ submission.Signer = stallSigner{}

func (s stallSigner) Sign(ctx context.Context, _ submission.SignRequest) (submission.BodySigner, error) {
	if !s.atSum {
		return nil, stall(ctx, false, s.d)
	}
	return stallBody{ctx: ctx, d: s.d}, nil
}

type stallBody struct {
	ctx context.Context
	d   time.Duration
}

func (b stallBody) Write(p []byte) (int, error) { return len(p), nil }
func (b stallBody) Sum() ([]byte, error)        { return nil, stall(b.ctx, false, b.d) }

// TestStageDeadline: every callback of a stage gets the stage deadline
// (Config.StageTimeout) through its ctx, and one that returns after it,
// whether it honoured ctx or ignored it, is 451 4.4.3, our outage (RFC
// 6409, Section 5.3; RFC 3463, Section 3.5), logged at Error with its name.
func TestStageDeadline(t *testing.T) {
	t.Parallel()
	const d = 30 * time.Millisecond
	type where int
	const (
		atMail where = iota
		atRcpt
		atData
		atEnd // the reader, at the end of the message
	)
	cases := []struct {
		name   string
		config func(c *submission.Config, ignore bool)
		at     where
		logged string // names the callback in the Error record
	}{
		{"Senders", func(c *submission.Config, ignore bool) {
			c.Senders = auth.SenderAuthorizerFunc(func(ctx context.Context, _ auth.Identity, _ envelope.Mailbox) (bool, error) {
				return true, stall(ctx, ignore, d)
			})
		}, atMail, "policy enforce-sender"},
		{"AuthWindow", func(c *submission.Config, ignore bool) {
			c.AuthWindow = stallWindow{ignore: ignore, d: d}
		}, atMail, "auth window"},
		{"limit store at MAIL", func(c *submission.Config, ignore bool) {
			c.Limits = submission.Limits{Messages: submission.Limit{Max: 10, Per: time.Hour}, Store: stallStore{ignore, d}}
		}, atMail, "limit store"},
		{"AllowRecipient", func(c *submission.Config, ignore bool) {
			c.AllowRecipient = func(ctx context.Context, _ auth.Identity, _ envelope.Path) (bool, error) {
				return true, stall(ctx, ignore, d)
			}
		}, atRcpt, "policy recipient-permissions"},
		{"limit store at RCPT", func(c *submission.Config, ignore bool) {
			c.Limits = submission.Limits{Recipients: submission.Limit{Max: 10, Per: time.Hour}, Store: rcptOnlyStall{stallStore{ignore, d}}}
		}, atRcpt, "limit store"},
		{"a site policy at DATA", func(c *submission.Config, ignore bool) {
			c.Policies = []policy.Policy{policy.Funcs{PolicyName: "site-archive", CheckData: func(ctx context.Context, _ *policy.Conn, _ *policy.Transaction, _ *header.Header) error {
				return stall(ctx, ignore, d)
			}}}
		}, atData, "policy site-archive"},
		{"trace sink", func(c *submission.Config, ignore bool) {
			c.Trace = submission.TraceSinkFunc(func(ctx context.Context, _ submission.TraceRecord) error {
				return stall(ctx, ignore, d)
			})
		}, atEnd, "trace sink"},
	}
	for _, tc := range cases {
		for _, ignore := range []bool{false, true} {
			name := tc.name + map[bool]string{false: "/honours ctx", true: "/ignores ctx"}[ignore]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, func(c *submission.Config) {
					c.StageTimeout = d
					tc.config(c, ignore)
				})
				s := f.session()
				if tc.at == atMail && strings.HasPrefix(tc.name, "AuthWindow") {
					s = f.anonymous()
				}
				ctx := t.Context()
				from := "<alice@example.org>"
				if tc.name == "Senders" {
					from = "<sales@example.net>" // not alice's own: Senders is asked
				}
				err := s.Mail(ctx, from, nil)
				if tc.at == atMail {
					wantOverrun(t, f, "MAIL", err, tc.logged)
					return
				}
				wantReply(t, "MAIL", err, 0, "")
				err = s.Rcpt(ctx, "<bob@example.com>", nil)
				if tc.at == atRcpt {
					wantOverrun(t, f, "RCPT", err, tc.logged)
					return
				}
				wantReply(t, "RCPT", err, 0, "")
				r, err := s.Data(ctx, strings.NewReader(crlf(message)))
				if tc.at == atData {
					wantOverrun(t, f, "DATA", err, tc.logged)
					return
				}
				wantReply(t, "DATA", err, 0, "")
				_, err = io.ReadAll(r)
				wantOverrun(t, f, "end of DATA", err, tc.logged)
			})
		}
	}
}

// stallWindow is an AuthWindow whose Lookup overruns.
type stallWindow struct {
	ignore bool
	d      time.Duration
}

func (w stallWindow) Lookup(ctx context.Context, _ netip.Addr) (auth.Identity, bool, error) {
	return auth.Identity{}, false, stall(ctx, w.ignore, w.d)
}

// rcptOnlyStall stalls only the recipient charge (n > 0 with a recipient
// key), so that MAIL's message-limit look-up does not stall first.
type rcptOnlyStall struct{ stallStore }

func (s rcptOnlyStall) Add(ctx context.Context, key string, n, limit int64, per time.Duration) (submission.LimitResult, error) {
	if n <= 0 {
		return submission.LimitResult{Added: true}, nil
	}
	return s.stallStore.Add(ctx, key, n, limit, per)
}

// wantOverrun checks the reply of a stage whose callback overran, and the
// Error record that names it.
func wantOverrun(t *testing.T, f *fixture, what string, err error, callback string) {
	t.Helper()
	wantReply(t, what, err, 451, "4.4.3")
	logs := f.logs.String()
	if !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, callback+" did not return within the stage deadline") {
		t.Errorf("%s: no Error record naming %q:\n%s", what, callback, logs)
	}
}

// TestStageDeadlineSigner: the Signer's Sign (at DATA) and its BodySigner's
// Sum (at the end of the message) are bounded by the stage deadline, while
// the Signer's own context lives as long as the body.
func TestStageDeadlineSigner(t *testing.T) {
	t.Parallel()
	const d = 30 * time.Millisecond
	for _, atSum := range []bool{false, true} {
		f := newFixture(t, func(c *submission.Config) {
			c.StageTimeout = d
			c.Signer = stallSigner{atSum: atSum, d: d}
		})
		r, err := submit(t, f.session(), nil, crlf(message))
		if !atSum {
			wantOverrun(t, f, "DATA", err, "signer")
			continue
		}
		if err != nil {
			t.Fatalf("Data: %v", err)
		}
		_, err = io.ReadAll(r)
		wantOverrun(t, f, "end of DATA", err, "signer")
	}
}

// TestStageDeadlineContexts: the deadline each callback sees is
// StageTimeout away (30 seconds by default), none with a negative
// StageTimeout; and a ctx the server cancels is not an overrun (451 4.3.0).
func TestStageDeadlineContexts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		timeout time.Duration
		want    time.Duration // 0: no deadline
	}{{0, 30 * time.Second}, {5 * time.Second, 5 * time.Second}, {-1, 0}} {
		var got []time.Duration
		var gotOK []bool
		see := func(ctx context.Context) {
			dl, ok := ctx.Deadline()
			got, gotOK = append(got, time.Until(dl)), append(gotOK, ok)
		}
		f := newFixture(t, func(c *submission.Config) {
			c.StageTimeout = tc.timeout
			c.Senders = auth.SenderAuthorizerFunc(func(ctx context.Context, _ auth.Identity, _ envelope.Mailbox) (bool, error) {
				see(ctx)
				return true, nil
			})
			c.AllowRecipient = func(ctx context.Context, _ auth.Identity, _ envelope.Path) (bool, error) {
				see(ctx)
				return true, nil
			}
			c.Trace = submission.TraceSinkFunc(func(ctx context.Context, _ submission.TraceRecord) error {
				see(ctx)
				return nil
			})
		})
		r, err := submit(t, f.session(), nil, crlf(strings.Replace(message, "alice@example.org", "sales@example.net", 1)))
		if err != nil {
			t.Fatalf("StageTimeout %v: Data: %v", tc.timeout, err)
		}
		if _, err := io.ReadAll(r); err != nil {
			t.Fatalf("StageTimeout %v: Read: %v", tc.timeout, err)
		}
		if len(got) < 3 {
			t.Fatalf("StageTimeout %v: %d callbacks saw a ctx, want MAIL, RCPT, DATA and the end", tc.timeout, len(got))
		}
		for i := range got {
			switch {
			case tc.want == 0 && gotOK[i]:
				t.Errorf("StageTimeout %v: callback %d has a deadline in %v, want none", tc.timeout, i, got[i])
			case tc.want != 0 && (!gotOK[i] || got[i] > tc.want || got[i] < tc.want-5*time.Second):
				t.Errorf("StageTimeout %v: callback %d has a deadline in %v (%v), want about %v", tc.timeout, i, got[i], gotOK[i], tc.want)
			}
		}
	}

	// The server's own ctx ends (a client gone): not our deadline.
	f := newFixture(t, func(c *submission.Config) {
		c.StageTimeout = time.Minute
		c.Senders = auth.SenderAuthorizerFunc(func(ctx context.Context, _ auth.Identity, _ envelope.Mailbox) (bool, error) {
			return false, stall(ctx, false, 0)
		})
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := f.session().Mail(ctx, "<alias@example.net>", nil)
	wantReply(t, "MAIL with the server's ctx ending", err, 451, "4.3.0")
	if errors.Is(err, context.DeadlineExceeded) && strings.Contains(err.Error(), "stage deadline") {
		t.Errorf("the server's deadline was taken for the stage deadline: %v", err)
	}
}
