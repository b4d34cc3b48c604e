package msaconfig

import (
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/internal/extest"
)

// Each program reads the other's keys and ignores them: listed once each,
// without indexes, in the order of the file (which is not the keys'
// alphabetical order).
func TestIgnored(t *testing.T) {
	t.Parallel()
	file := extest.WriteFile(t, "msakit.toml", `metrics = "127.0.0.1:9587"
max-size = 1000
listen = "127.0.0.1:587"

[[user]]
name = "alice"
password-hash = "`+testHash+`"

[[user]]
name = "bob"
password-hash = "`+testHash+`"

[milter]
listen = "unix:/run/msakit/milter.sock"
daemon = ["submission"]
`)
	for _, tc := range []struct {
		p    *Program
		want []string
	}{
		{milterProgram, []string{"metrics", "listen", "user.password-hash"}},
		{serverProgram, []string{"milter.listen", "milter.daemon"}},
	} {
		l, err := configure(tc.p, "-config", file)
		if err != nil {
			t.Fatalf("%s: %v", tc.p.Name, err)
		}
		if !slices.Equal(l.Ignored, tc.want) {
			t.Errorf("%s ignores %q, want %q", tc.p.Name, l.Ignored, tc.want)
		}
	}
	l, err := configure(milterProgram, "-config", file)
	if err != nil {
		t.Fatal(err)
	}
	if a := l.Milter.Listen; a.Network() != "unix" || a.Address() != "/run/msakit/milter.sock" || !slices.Equal(l.Milter.Daemons(), []string{"submission"}) {
		t.Errorf("[milter] = %+v", l.Milter)
	}
}

// testHash is an argon2id hash small enough for tests (m=1 MiB, t=1).
const testHash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

// A reload warns only about the settings the program uses.
func TestRestartKeys(t *testing.T) {
	t.Parallel()
	a, b := Defaults(), Defaults()
	b.Listen, b.MaxSize = "127.0.0.1:2525", 1000
	if err := b.Milter.Listen.Set("unix:/run/m.sock"); err != nil {
		t.Fatal(err)
	}
	b.Users = []Account{{Name: UserName{"carol"}}}
	for p, want := range map[*Program]string{serverProgram: "listen,max-size", milterProgram: "max-size,milter.listen"} {
		if got := strings.Join(restartKeys(p, &a, &b), ","); got != want {
			t.Errorf("%s: restart keys %s, want %s", p.Name, got, want)
		}
	}
}

// Behind an MTA the users need no password hash, a login the file does not
// list is a user with its default address and no recipient rules, and a
// listed one gets its own address; examples/msa knows only its users.
func TestUsersBehindMTA(t *testing.T) {
	t.Parallel()
	file := extest.WriteFile(t, "msakit.toml", `domain = "example.org"
[[user]]
name = "alice"
addresses = ["@alice.example"]
recipients = ["@example.org"]

[[user]]
name = "bob@example.net"
`)
	l, err := configure(milterProgram, "-config", file, "-user", "carol:carol@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u := NewUsers(l.Dir)
	ctx := t.Context()
	for login, want := range map[string]string{
		"alice":             "alice@example.org", // NAME@domain
		"Alice":             "alice@example.org", // RFC 8265 UsernameCaseMapped
		"bob@example.net":   "bob@example.net",   // its name
		"carol":             "carol@example.com", // -user
		"dave":              "dave@example.org",  // not listed: NAME@domain
		"erin@example.com":  "erin@example.com",  // not listed: its login
		"fred@mail.example": "fred@mail.example",
	} {
		id, err := u.Identify(ctx, auth.Identity{AuthenticationID: login})
		if err != nil || id.Address.String() != want {
			t.Errorf("Identify(%s) = %v, %v; want the address %s", login, id.Address, err, want)
		}
	}
	id, _ := u.Identify(ctx, auth.Identity{AuthenticationID: "Alice"})
	if ok, err := u.AuthorizeSender(ctx, id, envelope.MustParseMailbox("x@alice.example")); !ok || err != nil {
		t.Errorf("Alice sends as x@alice.example: %v, %v; want true", ok, err)
	}
	for _, tc := range []struct {
		login, to string
		ok        bool
	}{
		{"Alice", "bob@example.org", true},
		{"Alice", "bob@example.net", false}, // her rules
		{"dave", "bob@example.net", true},   // not listed: no rules
	} {
		p, _ := envelope.ParseForwardPath("<" + tc.to + ">")
		if ok, err := u.AllowRecipient(ctx, auth.Identity{AuthenticationID: tc.login}, p); ok != tc.ok || err != nil {
			t.Errorf("%s writes to %s: %v, %v; want %v", tc.login, tc.to, ok, err, tc.ok)
		}
	}

	// examples/msa: the same users need hashes, and only they may write.
	if _, err := configure(serverProgram, "-config", file); err == nil || !strings.HasSuffix(err.Error(), ":2:3: user: password-hash is missing (make one with: msa hash-password)") {
		t.Errorf("msa with users without hashes: %v", err)
	}
	l, err = configure(serverProgram, "-user", "alice:pw")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := envelope.ParseForwardPath("<bob@example.net>")
	if ok, err := NewUsers(l.Dir).AllowRecipient(ctx, auth.Identity{AuthenticationID: "dave"}, p); ok || err != nil {
		t.Errorf("msa: a user not in the directory writes: %v, %v; want false", ok, err)
	}
}

func TestMilterAddress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"127.0.0.1:8891":      "inet:127.0.0.1:8891",
		"inet:127.0.0.1:8891": "inet:127.0.0.1:8891",
		"inet:8891@127.0.0.1": "inet:127.0.0.1:8891",
		"inet6:8891@::1":      "inet:[::1]:8891",
		"inet:[::1]:8891":     "inet:[::1]:8891",
		"localhost:8891":      "inet:localhost:8891",
		"unix:/run/m.sock":    "unix:/run/m.sock",
		"local:/run/m.sock":   "unix:/run/m.sock",
	} {
		var a MilterAddress
		if err := a.Set(in); err != nil || a.String() != want {
			t.Errorf("%q = %q, %v; want %s", in, a.String(), err, want)
		}
	}
	for _, in := range []string{"", "8891", "unix:", "inet:", "inet:8891", "inet:@host", "tcp:127.0.0.1:8891", "a/b:1", "inet:8891@a@b"} {
		var a MilterAddress
		if err := a.Set(in); err == nil {
			t.Errorf("%q = %q, want an error", in, a.String())
		}
	}
}
