package main

import (
	"errors"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	file := writeConfig(t, usersFile(t, "0",
		userTable(t, "alice", "alice's password", `addresses = ["alice@example.org", "@shop.example"]`),
		userTable(t, "bob", "bob's password", `recipients = ["carol@example.net", "@example.org"]`)))
	l, err := configure([]string{"-config", file, "-user", "dave:dave's password:dave@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	u := msaconfig.NewUsers(l.Dir)
	ctx := t.Context()
	for _, tc := range []struct {
		name, password string
		want           string // "" = refused
	}{
		{"alice", "alice's password", "alice"},
		{"ALICE", "alice's password", "alice"}, // RFC 8265 UsernameCaseMapped
		{"alice", "Alice's password", ""},
		{"alice", "bob's password", ""},
		{"bob", "bob's password", "bob"},
		{"dave", "dave's password", "dave"}, // -user, in clear
		{"dave", "dave's passwor", ""},
		{"mallory", "alice's password", ""}, // unknown: the same error
		{"al ice", "alice's password", ""},  // not a user name
		{"alice", "", ""},
	} {
		id, err := u.AuthenticatePassword(ctx, "", tc.name, tc.password)
		switch {
		case tc.want != "" && (err != nil || id.User() != tc.want):
			t.Errorf("AUTH %s/%q = %v, %v; want %s", tc.name, tc.password, id, err, tc.want)
		case tc.want == "" && !errors.Is(err, auth.ErrInvalidCredentials):
			t.Errorf("AUTH %s/%q = %v, %v; want ErrInvalidCredentials", tc.name, tc.password, id, err)
		}
	}
	if got, _ := l.Dir.Address("bob"); got.String() != "bob@example.org" {
		t.Errorf("bob's own address %q, want NAME@DOMAIN", got)
	}

	id := func(name string) auth.Identity {
		addr, _ := l.Dir.Address(name)
		return auth.Identity{AuthenticationID: name, Address: addr}
	}
	for _, tc := range []struct {
		user, from string
		ok         bool
	}{
		{"alice", "alice@example.org", true},
		{"alice", "alice+tag@example.org", true}, // subaddress
		{"alice", "anyone@shop.example", true},   // @domain
		{"alice", "bob@example.org", false},
		{"bob", "bob@example.org", true},
		{"bob", "alice@example.org", false},
		{"dave", "dave@example.com", true},
	} {
		ok, err := u.AuthorizeSender(ctx, id(tc.user), envelope.MustParseMailbox(tc.from))
		if err != nil || ok != tc.ok {
			t.Errorf("%s sends as %s: %v, %v; want %v", tc.user, tc.from, ok, err, tc.ok)
		}
	}
	for _, tc := range []struct {
		user, to string
		ok       bool
	}{
		{"alice", "anyone@example.net", true}, // no rules
		{"bob", "carol@example.net", true},
		{"bob", "carol+x@example.net", true},
		{"bob", "dan@example.org", true},
		{"bob", "dan@example.net", false},
		{"bob", "bob@example.org", true}, // itself
	} {
		p, err := envelope.ParseForwardPath("<" + tc.to + ">")
		if err != nil {
			t.Fatal(err)
		}
		ok, err := u.AllowRecipient(ctx, id(tc.user), p)
		if err != nil || ok != tc.ok {
			t.Errorf("%s writes to %s: %v, %v; want %v", tc.user, tc.to, ok, err, tc.ok)
		}
	}
	pm, _ := envelope.ParseForwardPath("<Postmaster>")
	if ok, err := u.AllowRecipient(ctx, id("bob"), pm); !ok || err != nil {
		t.Errorf("bob writes to <Postmaster>: %v, %v; want true", ok, err)
	}
}
