package policy_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/policy"
)

// TestChain_Concurrent runs one profile chain from many goroutines, each with
// its own Conn, Transaction and header, as an Agent serving many sessions
// does. Under -race it proves the policies and the Chain keep no shared
// mutable state.
func TestChain_Concurrent(t *testing.T) {
	t.Parallel()
	c := mustChain(t, "rfc6409", policy.Defaults(policy.DefaultOptions{
		Hostname: mustDomain(t, "mx.example.org"), Senders: spoofSenders(), AddSender: true, RemoveBcc: true,
		Trusted: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, Expand: mustDomain(t, "example.org"),
		Now: func() time.Time { return fixedNow }, NewID: func() (string, error) { return "<x@mx.example.org>", nil },
		Rewrite: &policy.RewriteAddresses{LocalParts: map[string]string{"JRU": "J.Random.User"}, Header: true},
	})...)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				conn := authedConn(t)
				if g%2 == 1 {
					conn = &policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.9:1000")}
				}
				txn := tx(t, "<alice@example.org>")
				if err := c.Mail(t.Context(), conn, txn); err != nil {
					t.Errorf("goroutine %d/%d: Mail: %v", g, i, err)
					return
				}
				for _, to := range []string{"<bob@example.net>", "<Postmaster>", "<carol@eng>"} {
					r := rcpt(t, to)
					if err := c.Rcpt(t.Context(), conn, txn, r); err != nil {
						t.Errorf("goroutine %d/%d: Rcpt(%s): %v", g, i, to, err)
						return
					}
					txn.Recipients = append(txn.Recipients, *r)
				}
				h := readHeader(t, msg("From: Alice <alice@example.org>", "To: bob@example.net, carol@eng", "Bcc: x@example.net"))
				if err := c.Data(t.Context(), conn, txn, h); err != nil {
					t.Errorf("goroutine %d/%d: Data: %v", g, i, err)
					return
				}
				if !h.Has("Date") || h.Has("Bcc") {
					t.Errorf("goroutine %d/%d: profile edits missing", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
}
