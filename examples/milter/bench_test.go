package milter

import (
	"context"
	"strings"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/submission"
)

// BenchmarkMilter measures the milter side of one message: a go-milter
// client, standing in for the MTA, sends MAIL, RCPT, DATA, the header
// fields, a 1 KiB body and end of message over one loopback TCP connection,
// to msakit's Server and, as the baseline, to go-milter's NoOpMilter with
// the same protocol options. The difference is msakit's work per message:
// the checks, the pipe into Session.Data, and the header comparison
// ("edits": a message without Date and Message-ID, so two insert requests).
// Allocations count both ends, the client's being the same on both sides.
func BenchmarkMilter(b *testing.B) {
	noop, msakit, complete, incomplete := milterBench(b)
	for _, bc := range []struct {
		name string
		addr string
		msg  string
	}{
		{"noop", noop, complete},
		{"msakit", msakit, complete},
		{"msakit-edits", msakit, incomplete},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := (&fixture{addr: bc.addr}).alice(b)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				sendAccepted(b, c, bc.msg)
			}
		})
	}
}

// BenchmarkMilterPaired is BenchmarkMilter's ratio: every iteration sends
// the complete message to the no-op milter and to msakit's, alternating
// which goes first, and times each; ns/msg-milter is msakit's extra time.
// Both see the same machine load at the same moment.
func BenchmarkMilterPaired(b *testing.B) {
	noop, msakit, complete, _ := milterBench(b)
	cn, cm := (&fixture{addr: noop}).alice(b), (&fixture{addr: msakit}).alice(b)
	paired(b, "noop", func() { sendAccepted(b, cn, complete) }, "msakit", func() { sendAccepted(b, cm, complete) })
}

// paired runs base and with once per iteration each, alternating which
// goes first so that both see the same load, times each, and reports the
// mean of each as ns/msg-<baseName> and ns/msg-<withName>, and msakit's
// milter's share, their difference, as ns/msg-milter.
func paired(b *testing.B, baseName string, base func(), withName string, with func()) {
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	var tb, tw time.Duration
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i++; i%2 == 0 {
			tb += timed(base)
			tw += timed(with)
		} else {
			tw += timed(with)
			tb += timed(base)
		}
	}
	n := float64(i)
	b.ReportMetric(float64(tb.Nanoseconds())/n, "ns/msg-"+baseName)
	b.ReportMetric(float64(tw.Nanoseconds())/n, "ns/msg-"+withName)
	b.ReportMetric(float64((tw-tb).Nanoseconds())/n, "ns/msg-milter")
}

// milterBench starts the no-op baseline and msakit's Server (no trace,
// no logs, no test recorder) and returns their addresses and the two
// messages: complete, and without Date and Message-ID.
func milterBench(b *testing.B) (noop, msakit, complete, incomplete string) {
	body := strings.Repeat(strings.Repeat("z", 62)+"\r\n", 16)
	complete = crlf(testMessage) + body
	incomplete = crlf(strings.Replace(strings.Replace(testMessage, "Date: Mon, 23 Nov 2026 19:58:00 +0000\n", "", 1), "Message-ID: <lunch-1@example.org>\n", "", 1)) + body
	srv := gomilter.NewServer(
		gomilter.WithMilter(func() gomilter.Milter { return gomilter.NoOpMilter{} }),
		gomilter.WithActions(needActions),
		gomilter.WithProtocols(wantProtocol),
	)
	noop = serveOn(b, srv.Serve, srv.Close)
	f := start(b, func(c *submission.Config) {
		c.Trace = submission.TraceSinkFunc(func(context.Context, submission.TraceRecord) error { return nil })
		c.Logger = nil
		c.Policies = nil // no test recorder
	}, func(c *Config) { c.Logger = nil })
	return noop, f.addr, complete, incomplete
}

// sendAccepted sends msg from alice to bob and fails unless it is accepted.
func sendAccepted(b *testing.B, c *mta, msg string) {
	if _, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, msg); act.Type != gomilter.ActionAccept {
		b.Fatalf("message refused: %v", act)
	}
}
