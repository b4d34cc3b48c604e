package milter

import (
	"context"
	"net"
	"strings"
	"testing"

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
func BenchmarkMilter(b *testing.B) {
	body := strings.Repeat(strings.Repeat("z", 62)+"\r\n", 16)
	complete := crlf(testMessage) + body
	incomplete := crlf(strings.Replace(strings.Replace(testMessage, "Date: Mon, 23 Nov 2026 19:58:00 +0000\n", "", 1), "Message-ID: <lunch-1@example.org>\n", "", 1)) + body

	noop := gomilter.NewServer(
		gomilter.WithMilter(func() gomilter.Milter { return gomilter.NoOpMilter{} }),
		gomilter.WithActions(needActions),
		gomilter.WithProtocols(wantProtocol),
	)
	noopAddr := serve(b, noop.Serve, noop.Close)

	f := start(b, func(c *submission.Config) {
		c.Trace = submission.TraceSinkFunc(func(context.Context, submission.TraceRecord) error { return nil })
		c.Logger = nil
		c.Policies = nil // no test recorder
	}, func(c *Config) { c.Logger = nil })

	for _, bc := range []struct {
		name string
		addr string
		msg  string
	}{
		{"noop", noopAddr, complete},
		{"msakit", f.addr, complete},
		{"msakit-edits", f.addr, incomplete},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := (&fixture{addr: bc.addr}).alice(b)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.msg)))
			for b.Loop() {
				if _, act := c.send("<alice@example.org>", []string{"<bob@example.com>"}, bc.msg); act.Type != gomilter.ActionAccept {
					b.Fatalf("message refused: %v", act)
				}
			}
		})
	}
}

// serve runs a go-milter server on a free loopback port until the
// benchmark ends.
func serve(b *testing.B, run func(net.Listener) error, stop func() error) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = run(ln); close(done) }()
	b.Cleanup(func() { _ = stop(); <-done })
	return ln.Addr().String()
}
