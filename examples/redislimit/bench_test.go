package redislimit

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/internal/redistest"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// benchMessage is a small conforming message.
const benchMessage = "From: Alice <alice@example.org>\r\n" +
	"To: Bob <bob@example.com>\r\n" +
	"Subject: lunch\r\n" +
	"Date: Mon, 23 Nov 2026 19:58:00 +0000\r\n" +
	"Message-ID: <lunch-1@example.org>\r\n" +
	"\r\n" +
	"Shall we meet at noon?\r\n"

// benchLimits are limits no benchmark reaches.
var benchLimits = submission.Limits{
	Messages:   submission.Limit{Max: 1 << 40, Per: time.Hour},
	Recipients: submission.Limit{Max: 1 << 40, Per: time.Hour},
}

// BenchmarkSubmission is the cost of one message (MAIL, two RCPT, DATA
// read to its end) through msakit with no limits (the baseline), with
// message and recipient limits in the in-process store, and in Redis on
// loopback: four Store.Add calls per message (the check at MAIL, one
// charge per RCPT, one at the end of data), each one round trip.
func BenchmarkSubmission(b *testing.B) {
	for _, name := range [...]string{"none", "memory", "redis"} {
		b.Run(name, func(b *testing.B) {
			s := benchSession(b, name)
			ctx := b.Context()
			var r strings.Reader
			b.ReportAllocs()
			for b.Loop() {
				sendOne(ctx, b, s, &r)
			}
		})
	}
}

// BenchmarkSubmissionPaired gives the ratios on a noisy machine: each
// iteration sends one message through each of the three sessions in turn,
// timing each, so that all three see the same load (in every order); it reports the median
// time per message of each and what the limits add to the baseline.
func BenchmarkSubmissionPaired(b *testing.B) {
	names := [...]string{"none", "memory", "redis"}
	var sessions [len(names)]*submission.Session
	for i, n := range names {
		sessions[i] = benchSession(b, n)
	}
	ctx := b.Context()
	var r strings.Reader
	var times [len(names)][]time.Duration
	// Every order of the three in turn: a message pays for what the one
	// before it left in the caches (a Redis round trip leaves the most),
	// so each session must follow each other one as often.
	orders := [...][len(names)]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}}
	for n := 0; b.Loop(); n++ {
		for _, i := range orders[n%len(orders)] {
			start := time.Now()
			sendOne(ctx, b, sessions[i], &r)
			times[i] = append(times[i], time.Since(start))
		}
	}
	var med [len(names)]float64
	for i := range names {
		slices.Sort(times[i])
		med[i] = float64(times[i][len(times[i])/2].Nanoseconds())
		b.ReportMetric(med[i], names[i]+"-ns/msg")
	}
	b.ReportMetric(med[1]-med[0], "memory-added-ns/msg")
	b.ReportMetric(med[2]-med[0], "redis-added-ns/msg")
	b.ReportMetric(100*(med[1]-med[0])/med[0], "memory-overhead-%")
	b.ReportMetric(100*(med[2]-med[0])/med[0], "redis-overhead-%")
}

// benchSession returns an authenticated session of an Agent whose limits
// are off ("none"), in process ("memory") or in a private Redis ("redis").
func benchSession(b *testing.B, store string) *submission.Session {
	b.Helper()
	host, err := envelope.ParseDomain("msa.example.org")
	if err != nil {
		b.Fatal(err)
	}
	mb, err := envelope.ParseMailbox("alice@example.org")
	if err != nil {
		b.Fatal(err)
	}
	var l submission.Limits
	switch store {
	case "memory":
		l = benchLimits
	case "redis":
		srv := redistest.Start(b)
		c, err := NewClient(srv.Addr)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = c.Close() })
		l = benchLimits
		l.Store = New(c, Options{})
	}
	a, err := submission.New(submission.Config{Hostname: host, Limits: l})
	if err != nil {
		b.Fatal(err)
	}
	s := a.NewSession(policy.Conn{})
	s.Authenticated(auth.Identity{AuthenticationID: "alice", Address: mb})
	return s
}

// sendOne sends benchMessage to two recipients on s.
func sendOne(ctx context.Context, b *testing.B, s *submission.Session, r *strings.Reader) {
	if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
		b.Fatal(err)
	}
	for _, to := range [...]string{"<bob@example.com>", "<carol@example.com>"} {
		if err := s.Rcpt(ctx, to, nil); err != nil {
			b.Fatal(err)
		}
	}
	r.Reset(benchMessage)
	msg, err := s.Data(ctx, r)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, msg); err != nil {
		b.Fatal(err)
	}
}
