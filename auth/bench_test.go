package auth_test

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// BenchmarkUsersAuthenticatePassword measures the in-memory store beside
// two baselines: a plain map lookup with == on the password (what a naive
// store does, not constant-time) and the SHA-256 plus subtle compare that
// is the floor of a constant-time check.
func BenchmarkUsersAuthenticatePassword(b *testing.B) {
	u := auth.NewUsers()
	if err := u.Add("alice", "correct horse battery staple", envelope.Mailbox{}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct{ name, user, pw string }{
		{"ok", "alice", "correct horse battery staple"},
		{"ok-upper", "Alice", "correct horse battery staple"},
		{"wrong-password", "alice", "correct horse battery stapler"},
		{"unknown-user", "mallory", "correct horse battery staple"},
		{"ok-non-ascii-user", "ÀLICE", "correct horse battery staple"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = u.AuthenticatePassword(ctx, "", c.user, c.pw)
			}
		})
	}
	b.Run("baseline-map-lookup", func(b *testing.B) {
		m := map[string]string{"alice": "correct horse battery staple"}
		b.ReportAllocs()
		for b.Loop() {
			p, ok := m["alice"]
			_ = ok && p == "correct horse battery staple"
		}
	})
	b.Run("baseline-sha256-subtle", func(b *testing.B) {
		want := sha256.Sum256([]byte("alicecorrect horse battery staple"))
		b.ReportAllocs()
		for b.Loop() {
			got := sha256.Sum256([]byte("alicecorrect horse battery staple"))
			_ = subtle.ConstantTimeCompare(got[:], want[:])
		}
	})
}

// BenchmarkSendersAuthorizeSender measures the accept and refuse paths
// beside a plain map lookup of the address string.
func BenchmarkSendersAuthorizeSender(b *testing.B) {
	s := auth.NewSenders("+")
	if err := s.Allow("alice", "alias@example.org", "@staff.example.org"); err != nil {
		b.Fatal(err)
	}
	id := auth.Identity{AuthenticationID: "alice", Address: mustMailbox(b, "alice@example.org")}
	ctx := context.Background()
	cases := []struct{ name, from string }{
		{"own-address", "alice@example.org"},
		{"alias", "alias@example.org"},
		{"alias-subaddress", "alias+tag@example.org"},
		{"domain", "x@staff.example.org"},
		{"alias-upper-case", "ALIAS@example.org"},
		{"refused", "other@example.com"},
	}
	for _, c := range cases {
		m := mustMailbox(b, c.from)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = s.AuthorizeSender(ctx, id, m)
			}
		})
	}
	b.Run("baseline-map-lookup", func(b *testing.B) {
		m := map[string]map[string]bool{"alice": {"alias@example.org": true}}
		b.ReportAllocs()
		for b.Loop() {
			_ = m["alice"]["alias@example.org"]
		}
	})
}

// BenchmarkPlainExchange is one whole PLAIN exchange with [auth.Users].
func BenchmarkPlainExchange(b *testing.B) {
	u := auth.NewUsers()
	if err := u.Add("alice", "secret", envelope.Mailbox{}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	resp := []byte("\x00alice\x00secret")
	b.ReportAllocs()
	for b.Loop() {
		srv, err := auth.NewServer(ctx, "PLAIN", withTLS, u, clock, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, done, err := srv.Next(resp); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}
