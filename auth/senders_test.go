package auth_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

var (
	_ auth.SenderAuthorizer = (*auth.Senders)(nil)
	_ auth.SenderAuthorizer = auth.SenderAuthorizerFunc(nil)
)

func testSenders(t *testing.T, sep string) *auth.Senders {
	t.Helper()
	s := auth.NewSenders(sep)
	for _, r := range []struct {
		user     string
		patterns []string
	}{
		{"Alice", []string{"alias@example.org", "Info@Example.NET"}},
		{"alice", []string{"@staff.example.org"}},
		{"bob", []string{"bob@bücher.example", "@xn--caf-dma.example"}},
		{"carol", []string{"carol+list@example.org"}},
		{"dave", []string{`"dave smith"@example.org`, "dävid@example.org"}},
	} {
		if err := s.Allow(r.user, r.patterns...); err != nil {
			t.Fatalf("Allow(%q, %q) = %v", r.user, r.patterns, err)
		}
	}
	return s
}

func TestSenders(t *testing.T) {
	t.Parallel()
	alice := auth.Identity{AuthenticationID: "alice", Address: mustMailbox(t, "alice@example.org")}
	bob := auth.Identity{AuthenticationID: "bob"}
	tests := []struct {
		name string
		sep  string
		id   auth.Identity
		from string
		want bool
	}{
		{"own address", "+", alice, "alice@example.org", true},
		{"own address, upper-case local part", "+", alice, "ALICE@example.org", true},
		{"own address, upper-case domain", "+", alice, "alice@EXAMPLE.ORG", true},
		{"own address, subaddress", "+", alice, "alice+tag@example.org", true},
		{"own address, subaddress disabled", "", alice, "alice+tag@example.org", false},
		{"own address, other separator", "-", alice, "alice-tag@example.org", true},
		{"alias", "+", alice, "alias@example.org", true},
		{"alias, subaddress", "+", alice, "alias+x+y@example.org", true},
		{"alias, case variants", "+", alice, "INFO@example.net", true},
		{"alias via authorization id", "+", auth.Identity{AuthenticationID: "admin", AuthorizationID: "ALICE"}, "alias@example.org", true},
		{"authentication id ignored when acting as another", "+", auth.Identity{AuthenticationID: "alice", AuthorizationID: "bob"}, "alias@example.org", false},
		{"whole domain", "+", alice, "anyone@staff.example.org", true},
		{"whole domain, upper case", "+", alice, "X@STAFF.Example.Org", true},
		{"subdomain of allowed domain", "+", alice, "x@sub.staff.example.org", false},
		{"parent of allowed domain", "+", alice, "x@example.org", false},
		{"different domain", "+", alice, "alice@example.com", false},
		{"different local part", "+", alice, "alicia@example.org", false},
		{"empty subaddress base", "+", alice, "+alice@example.org", false},
		{"IDN pattern U-label, address U-label", "+", bob, "bob@bücher.example", true},
		{"IDN pattern U-label, address A-label", "+", bob, "bob@xn--bcher-kva.example", true},
		{"IDN pattern U-label, address upper case", "+", bob, "BOB@BüCHER.EXAMPLE", true},
		{"IDN domain pattern A-label, address U-label", "+", bob, "x@café.example", true},
		{"IDN domain pattern A-label, address A-label", "+", bob, "x@xn--caf-dma.example", true},
		{"IDN lookalike refused", "+", bob, "bob@bucher.example", false},
		{"pattern with tag matches itself", "+", auth.Identity{AuthenticationID: "carol"}, "carol+list@example.org", true},
		{"pattern with tag, other tag", "+", auth.Identity{AuthenticationID: "carol"}, "carol+other@example.org", false},
		{"pattern with tag, base", "+", auth.Identity{AuthenticationID: "carol"}, "carol@example.org", false},
		{"quoted local part", "+", auth.Identity{AuthenticationID: "dave"}, `"dave smith"@example.org`, true},
		{"non-ASCII local part exact", "+", auth.Identity{AuthenticationID: "dave"}, "dävid@example.org", true},
		{"non-ASCII local part not case-folded", "+", auth.Identity{AuthenticationID: "dave"}, "DÄVID@example.org", false},
		{"unknown user", "+", auth.Identity{AuthenticationID: "mallory"}, "alias@example.org", false},
		{"unknown user, own address", "+", auth.Identity{AuthenticationID: "mallory", Address: mustMailbox(t, "m@example.org")}, "m+x@example.org", true},
		{"zero identity", "+", auth.Identity{}, "alice@example.org", false},
		{"zero identity with address", "+", auth.Identity{Address: mustMailbox(t, "alice@example.org")}, "alice@example.org", false},
		{"invalid user name", "+", auth.Identity{AuthenticationID: "a b"}, "alias@example.org", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := testSenders(t, tc.sep)
			m := mustMailbox(t, tc.from)
			got, err := s.AuthorizeSender(t.Context(), tc.id, m)
			if err != nil || got != tc.want {
				t.Errorf("AuthorizeSender(%q, %q) = %v, %v; want %v", tc.id.User(), tc.from, got, err, tc.want)
			}
		})
	}
}

func TestSendersZeroMailbox(t *testing.T) {
	t.Parallel()
	s := testSenders(t, "+")
	got, err := s.AuthorizeSender(t.Context(), auth.Identity{AuthenticationID: "alice"}, envelope.Mailbox{})
	if got || err != nil {
		t.Errorf("AuthorizeSender(zero mailbox) = %v, %v; want false", got, err)
	}
}

func TestSendersAllowErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		user     string
		patterns []string
		wantIs   error // nil: any error
	}{
		{"empty user", "", []string{"a@example.org"}, nil},
		{"user with space", "a b", []string{"a@example.org"}, nil},
		{"empty pattern", "alice", []string{""}, nil},
		{"no at", "alice", []string{"alice"}, envelope.ErrSyntax},
		{"bare at", "alice", []string{"@"}, nil},
		{"bad domain", "alice", []string{"@exa mple.org"}, nil},
		{"bad domain in mailbox", "alice", []string{"a@-bad-.org"}, nil},
		{"one bad among good", "alice", []string{"a@example.org", "@@"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := auth.NewSenders("+")
			err := s.Allow(tc.user, tc.patterns...)
			if err == nil || tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("Allow(%q, %q) = %v, want error %v", tc.user, tc.patterns, err, tc.wantIs)
			}
			// Nothing was added.
			for _, p := range tc.patterns {
				m, perr := envelope.ParseMailbox(p)
				if perr != nil {
					continue
				}
				if ok, _ := s.AuthorizeSender(t.Context(), auth.Identity{AuthenticationID: "alice"}, m); ok {
					t.Errorf("failed Allow still added %q", p)
				}
			}
		})
	}
}

func TestSendersConcurrent(t *testing.T) {
	t.Parallel()
	s := auth.NewSenders("+")
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			user := fmt.Sprintf("u%d", i)
			addr := fmt.Sprintf("%s@example.org", user)
			if err := s.Allow(user, addr); err != nil {
				t.Errorf("Allow = %v", err)
				return
			}
			m, err := envelope.ParseMailbox(user + "+x@example.org")
			if err != nil {
				t.Errorf("ParseMailbox = %v", err)
				return
			}
			for range 50 {
				if ok, _ := s.AuthorizeSender(context.Background(), auth.Identity{AuthenticationID: user}, m); !ok {
					t.Errorf("AuthorizeSender(%s) = false", user)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSenderAuthorizerFunc(t *testing.T) {
	t.Parallel()
	var got envelope.Mailbox
	f := auth.SenderAuthorizerFunc(func(_ context.Context, id auth.Identity, m envelope.Mailbox) (bool, error) {
		got = m
		return id.User() == "alice", nil
	})
	m := mustMailbox(t, "x@example.org")
	ok, err := f.AuthorizeSender(t.Context(), auth.Identity{AuthenticationID: "alice"}, m)
	if !ok || err != nil || got != m {
		t.Errorf("SenderAuthorizerFunc = %v, %v, saw %v", ok, err, got)
	}
}

// TestSameMailbox checks the one "same mailbox" rule that Senders and
// submission's enforce-sender and add-sender share: domains by A-label,
// local parts with ASCII letters folded, other octets exact.
func TestSameMailbox(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b envelope.Mailbox
		want bool
	}{
		{"equal", mustMailbox(t, "alice@example.org"), mustMailbox(t, "alice@example.org"), true},
		{"ASCII case", mustMailbox(t, "Alice@Example.ORG"), mustMailbox(t, "alice@example.org"), true},
		{"IDN U-label and A-label", mustMailbox(t, "alice@bücher.example"), mustMailbox(t, "alice@xn--bcher-kva.example"), true},
		{"other local part", mustMailbox(t, "alice@example.org"), mustMailbox(t, "bob@example.org"), false},
		{"other domain", mustMailbox(t, "alice@example.org"), mustMailbox(t, "alice@example.net"), false},
		{"non-ASCII not folded", mustMailbox(t, "élise@example.org"), mustMailbox(t, "Élise@example.org"), false},
		{"subaddress is not the same", mustMailbox(t, "alice+x@example.org"), mustMailbox(t, "alice@example.org"), false},
		{"zero mailbox", envelope.Mailbox{}, envelope.Mailbox{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.SameMailbox(tc.a, tc.b); got != tc.want {
				t.Errorf("SameMailbox(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
		})
	}
}
