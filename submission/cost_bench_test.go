package submission_test

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// costMessage returns a message of about size octets, the one of
// examples/gosmtp's BenchmarkEndToEnd: a typical mail client header (From,
// To with two addresses, Subject, Date, Message-ID, MIME fields) and
// 76-octet body lines.
func costMessage(size int) string {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.org>\r\n" +
		"To: Bob <bob@example.net>, Carol <carol@example.net>\r\n" +
		"Subject: Quarterly figures, second draft\r\n" +
		"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
		"Message-ID: <20261123190000.4711@example.org>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"User-Agent: bench/1.0\r\n" +
		"\r\n")
	line := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 2)[:76] + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.String()
}

// costSession is a session of the default profile as examples/gosmtp benchmarks it: a
// hostname, an authenticator, the real clock and random source, the default
// trace sink and no logger, authenticated as alice.
func costSession(b *testing.B) *submission.Session {
	f := newFixture(b, func(c *submission.Config) {
		*c = submission.Config{Hostname: c.Hostname, Authenticator: c.Authenticator}
	})
	s := f.agent.NewSession(conn())
	s.Authenticated(f.alice)
	return s
}

// sendOne runs one transaction through s: MAIL, the recipients, DATA, and
// the message read out to its end, as a server queues it.
func sendOne(b *testing.B, s *submission.Session, in *strings.Reader, msg string, rcpts []string) {
	ctx := b.Context()
	if err := s.Mail(ctx, "<alice@example.org>", &policy.MailOptions{Body: policy.Body8BitMIME}); err != nil {
		b.Fatal(err)
	}
	for _, to := range rcpts {
		if err := s.Rcpt(ctx, to, nil); err != nil {
			b.Fatal(err)
		}
	}
	in.Reset(msg)
	r, err := s.Data(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMessageCost measures msakit's own work for one message under
// the default profile, without a network: each iteration sends a 1 KiB
// message (the one of examples/gosmtp's BenchmarkEndToEnd) through a
// Session (MAIL, one RCPT, Data, the message read out) and, as the
// baseline, reads the same bytes through a bufio.Reader into io.Discard as
// a pass-through server does; each side is timed on its own. It reports the
// median of each and the median per-iteration difference, own-ns/msg: what
// msakit adds to reading the message (issue 15: at most 5 µs). allocs/op
// are msakit's (the baseline allocates nothing).
func BenchmarkMessageCost(b *testing.B) {
	for _, size := range []int{1 << 10, 64 << 10} {
		msg := costMessage(size)
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := costSession(b)
			var in strings.Reader
			br := bufio.NewReader(&in)
			rcpts := []string{"<bob@example.net>"}
			var base, msa, own []float64
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				in.Reset(msg)
				br.Reset(&in)
				if _, err := io.Copy(io.Discard, br); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				sendOne(b, s, &in, msg, rcpts)
				p, m := float64(t1.Sub(t0)), float64(time.Since(t1))
				base, msa, own = append(base, p), append(msa, m), append(own, m-p)
			}
			b.ReportMetric(median(base), "read-ns/msg")
			b.ReportMetric(median(msa), "msakit-ns/msg")
			b.ReportMetric(median(own), "own-ns/msg")
		})
	}
}

// BenchmarkCostSlope shows how a message's cost grows with the number of
// header fields and of recipients (issue 15: linear in both): the 1 KiB
// message with n extra unstructured fields, and with n recipients. The
// per-field and per-recipient cost is the difference between the medians
// of two sizes divided by the difference in n.
func BenchmarkCostSlope(b *testing.B) {
	base := costMessage(1 << 10)
	for _, n := range []int{0, 10, 100, 1000 - 10} {
		var extra strings.Builder
		for i := range n {
			fmt.Fprintf(&extra, "X-Extra-%d: an unstructured field the MSA keeps byte for byte\r\n", i)
		}
		msg := extra.String() + base
		b.Run(fmt.Sprintf("fields/%d", n), func(b *testing.B) {
			benchSend(b, msg, []string{"<bob@example.net>"})
		})
	}
	for _, n := range []int{1, 10, 100} {
		rcpts := make([]string, n)
		for i := range rcpts {
			rcpts[i] = fmt.Sprintf("<user%d@example.net>", i)
		}
		b.Run(fmt.Sprintf("rcpts/%d", n), func(b *testing.B) {
			benchSend(b, base, rcpts)
		})
	}
}

// benchSend sends msg to rcpts in every iteration and reports the median
// time per message (median-ns/msg), which the machine's load disturbs
// much less than the mean.
func benchSend(b *testing.B, msg string, rcpts []string) {
	s := costSession(b)
	var in strings.Reader
	var times []float64
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		sendOne(b, s, &in, msg, rcpts)
		times = append(times, float64(time.Since(t0)))
	}
	b.ReportMetric(median(times), "median-ns/msg")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
