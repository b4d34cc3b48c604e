package submission

import (
	"bufio"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// TestChain_Concurrent runs one profile chain from many goroutines, each with
// its own Conn, Transaction and header, as an Agent serving many sessions
// does. Under -race it proves the policies and the Chain keep no shared
// mutable state. Everything that can fail the test with t.Fatal is built
// before the goroutines start; inside them failures are reported with
// t.Errorf and end that goroutine (t.Fatal must not be called there).
func TestChain_Concurrent(t *testing.T) {
	t.Parallel()
	c := profileChain(t, Config{
		Senders: spoofSenders(), AddSender: true, Expand: mustDomain(t, "example.org"),
		Rewrite: RewriteRules{LocalParts: map[string]string{"JRU": "J.Random.User"}, Header: true},
	})
	alice := *authedConn(t)
	trusted := policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.9:1000"), Trusted: true}
	from := mustRev(t, "<alice@example.org>")
	var to []envelope.Path
	for _, s := range []string{"<bob@example.net>", "<Postmaster>", "<carol@eng>"} {
		to = append(to, mustFwd(t, s))
	}
	const in = "From: Alice <alice@example.org>\r\nTo: bob@example.net, carol@eng\r\nBcc: x@example.net\r\n\r\n"
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			if err := concurrentSessions(t, c, g, alice, trusted, from, to, in); err != nil {
				t.Errorf("goroutine %d: %v", g, err)
			}
		})
	}
	wg.Wait()
}

// concurrentSessions runs 50 transactions through c, as one goroutine of
// TestChain_Concurrent; it returns the first failure.
func concurrentSessions(t *testing.T, c *policy.Chain, g int, alice, trusted policy.Conn, from envelope.Path, to []envelope.Path, in string) error {
	for i := range 50 {
		conn := alice
		if g%2 == 1 {
			conn = trusted
		}
		txn := &policy.Transaction{From: from, OriginalFrom: from.String()}
		if err := c.Mail(t.Context(), &conn, txn); err != nil {
			return fmt.Errorf("%d: Mail: %w", i, err)
		}
		for _, p := range to {
			r := &policy.Recipient{Path: p, Original: p.String()}
			if err := c.Rcpt(t.Context(), &conn, txn, r); err != nil {
				return fmt.Errorf("%d: Rcpt(%s): %w", i, p, err)
			}
			txn.Recipients = append(txn.Recipients, *r)
		}
		h, err := header.Read(bufio.NewReader(strings.NewReader(in)), header.ReadOptions{})
		if err != nil {
			return fmt.Errorf("%d: header.Read: %w", i, err)
		}
		if err := c.Data(t.Context(), &conn, txn, h); err != nil {
			return fmt.Errorf("%d: Data: %w", i, err)
		}
		if !h.Has("Date") || h.Has("Bcc") {
			return fmt.Errorf("%d: profile edits missing:\n%s", i, h.Bytes())
		}
	}
	return nil
}
