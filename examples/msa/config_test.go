package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// The example file loads, documents every key, and its users log in with
// the password it names.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	const example = "msa.example.toml"
	l, err := configure([]string{"-config", example})
	if err != nil {
		t.Fatalf("loading %s: %v", example, err)
	}
	if l.Hostname.Domain().ASCII() != "msa.example.org" || l.Listen != "127.0.0.1:1587" || l.KeepBcc || len(l.Users) != 2 {
		t.Errorf("%s loaded as %+v", example, l.Settings)
	}
	// The documented defaults and keys: msaconfig's TestExampleFile.
	for _, u := range []string{"alice", "bob"} {
		id, err := authenticate(t, l.Dir, u, "correct horse battery staple")
		if err != nil || id != u {
			t.Errorf("%s: %s logs in as %q, %v", example, u, id, err)
		}
	}
}

// authenticate checks a password as AUTH PLAIN would and returns the
// identity's user.
func authenticate(t *testing.T, d *msaconfig.Directory, name, password string) (string, error) {
	t.Helper()
	id, err := msaconfig.NewUsers(d).AuthenticatePassword(t.Context(), "", name, password)
	return id.User(), err
}

// A flag given overrides the file; a list flag replaces the file's list;
// -user adds to the file's users and replaces one of the same name.
func TestFlagsOverrideFile(t *testing.T) {
	t.Parallel()
	file := writeConfig(t, `
listen = "127.0.0.1:2525"
max-size = 1000
trusted = ["10.0.0.0/8", "192.0.2.0/24"]
command-timeout = "1m"

[[user]]
name = "alice"
password-hash = "`+cheapHash(t, "file password")+`"
addresses = ["alice@example.org"]

[[user]]
name = "bob"
password-hash = "`+cheapHash(t, "bob's password")+`"
`)
	l, err := configure([]string{"-config", file, "-max-size", "2000", "-trusted", "::1", "-user", "Alice:flag password:alice@example.net"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Listen != "127.0.0.1:2525" || l.MaxSize != 2000 || l.CommandTimeout.Duration() != time.Minute {
		t.Errorf("listen %q, max-size %d, command-timeout %v; want the file's, the flag's, the file's", l.Listen, l.MaxSize, l.CommandTimeout)
	}
	if got := l.Trusted; len(got) != 1 || got[0].Prefix().String() != "::1/128" {
		t.Errorf("trusted = %v, want only the flag's ::1/128", got)
	}
	for _, tc := range []struct {
		user, password string
		ok             bool
	}{
		{"alice", "flag password", true},
		{"alice", "file password", false}, // replaced by -user
		{"bob", "bob's password", true},
	} {
		if _, err := authenticate(t, l.Dir, tc.user, tc.password); (err == nil) != tc.ok {
			t.Errorf("%s with %q: %v, want ok=%v", tc.user, tc.password, err, tc.ok)
		}
	}
	if got, _ := l.Dir.Address("alice"); got.String() != "alice@example.net" {
		t.Errorf("alice's address %q, want the flag's alice@example.net", got)
	}
}

// Each bad flag is refused in one line that names it, with exit status 2
// (msaconfig.ErrUsage).
func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-nope"}, `flag provided but not defined: -nope (msa -h lists the flags)`},
		{[]string{"extra"}, `unexpected argument "extra" (msa -h lists the flags)`},
		{[]string{"-domain", "example"}, `-domain: "example" is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)`},
		{[]string{"-domain", "[192.0.2.1]"}, `-domain: "[192.0.2.1]" is an address literal, not a domain name`},
		{[]string{"-hostname", "bad host"}, `-hostname: "bad host" is not a domain name`},
		{[]string{"-max-size", "-1"}, `-max-size: "-1" is not a whole number, 0 or more`},
		{[]string{"-max-recipients", "many"}, `-max-recipients: "many" is not a whole number, 0 or more`},
		{[]string{"-command-timeout", "0"}, `-command-timeout: "0" is not a positive duration`},
		{[]string{"-data-timeout", "3"}, `-data-timeout: "3" is not a duration (such as 90s, 5m or 1h30m)`},
		{[]string{"-trusted", "nowhere"}, `-trusted: "nowhere" is not a CIDR prefix or an address`},
		{[]string{"-partial-domain", "[IPv6:::1]"}, `-partial-domain: "[IPv6:::1]" is an address literal, not a domain name`},
		{[]string{"-expand-single-level=maybe"}, `-expand-single-level: "maybe" is not true or false`},
		{[]string{"-log-level", "LOUD"}, `-log-level: slog: level string "LOUD": unknown name`},
		{[]string{"-user", "alice"}, `-user: want NAME:PASSWORD[:ADDR,ADDR...]`},
		{[]string{"-user", "alice:"}, `-user: user "alice": empty password`},
		{[]string{"-user", "alice:pw:alice@localhost"}, `-user alice: "alice@localhost" is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)`},
		{[]string{"-user", "alice:pw:@example"}, `-user alice: "example" is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)`},
		{[]string{"-user", "a:pw", "-user", "A:pw2"}, `-user A: given twice`},
		{[]string{"-user", "a\x01b:pw"}, `-user: "a\x01b" is not a valid user name (RFC 8265, Section 3.3)`},
		{[]string{"-tls-cert", "c.pem"}, `-tls-cert: given without tls-key`},
		{[]string{"-tls-key", "k.pem"}, `-tls-key: given without tls-cert`},
		{[]string{"-listen", ""}, `-listen: no listener: listen and listen-tls are both empty`},
		{[]string{"-subaddress-separator", "@"}, `-subaddress-separator: "@" is not one character a local part may hold (such as + or -), nor empty`},
		{[]string{"-config", "/nonexistent/msa.toml"}, `config: open /nonexistent/msa.toml: no such file or directory`},
	} {
		_, err := configure(tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("configure(%q) = %v\n want %s", tc.args, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("configure(%q): the error is not one line: %q", tc.args, err)
		}
		if usage := errors.Is(err, msaconfig.ErrUsage); usage == (tc.args[0] == "-config") {
			t.Errorf("configure(%q): usage error %v, want %v", tc.args, usage, !usage)
		}
	}
}

// Each bad line of a config file is refused in one line that names the
// file, the line and column, and the key.
func TestBadConfigLines(t *testing.T) {
	t.Parallel()
	hash := cheapHash(t, testPassword)
	user := func(extra string) string {
		return "[[user]]\nname = \"alice\"\npassword-hash = \"" + hash + "\"\n" + extra
	}
	for _, tc := range []struct {
		name, file, want string
	}{
		{"unknown key", "listen = \"127.0.0.1:0\"\nlisten-tsl = \"127.0.0.1:0\"\n", `:2:1: listen-tsl: unknown key`},
		{"unknown keys", "nope = 1\nnope2 = 2\n", `:1:1: nope: unknown key (and 1 more)`},
		{"unknown key with a newline", "\"a\\nb\" = 1\n", `:1:1: a\x0ab: unknown key`},
		{"unknown key in a user", user("adresses = [\"alice@example.org\"]\n"), `:4:1: user.adresses: unknown key`},
		{"string for an integer", "max-size = \"10MB\"\n", `:1:12: max-size: want an integer, not a TOML string`},
		{"integer for a string", "spool = 5\n", `:1:9: spool: want a string, not a TOML integer`},
		{"string for a bool", "add-sender = \"yes\"\n", `:1:14: add-sender: want true or false, not a TOML string`},
		{"string for a list", "trusted = \"10.0.0.0/8\"\n", `:1:11: trusted: want an array of strings, not a TOML string`},
		{"integer for a duration", "data-timeout = 180\n", `:1:16: data-timeout: want a duration string such as "90s" or "5m", not a TOML integer`},
		{"bad duration", "\ncommand-timeout = \"5 minutes\"\n", `:2:19: command-timeout: "5 minutes" is not a duration (such as 90s, 5m or 1h30m)`},
		{"single-label domain", "domain = \"example\"\n", `:1:10: domain: "example" is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)`},
		{"bad hostname", "hostname = \"-mail.example.org\"\n", `:1:12: hostname: "-mail.example.org" is not a domain name`},
		{"bad prefix", "trusted = [\"10.0.0.0/8\", \"10.0.0.0/33\"]\n", `:1:26: trusted: "10.0.0.0/33" is not a CIDR prefix or an address`},
		{"negative size", "\n\nmax-size = -1\n", `:3:1: max-size: must not be negative`},
		{"cert without key", "tls-cert = \"c.pem\"\n", `:1:1: tls-cert: given without tls-key`},
		{"bad log level", "log-level = \"LOUD\"\n", `:1:13: log-level: slog: level string "LOUD": unknown name`},
		{"syntax error", "listen = \n", `:1:10: unexpected character U+000A at start of value`},
		{"key twice", "listen = \"a\"\nlisten = \"b\"\n", `:2:1: listen: key listen is already defined`},
		{"user without a hash", "[[user]]\nname = \"alice\"\n", `:1:3: user: password-hash is missing (make one with: msa hash-password)`},
		{"user without a name", "[[user]]\npassword-hash = \"" + hash + "\"\n", `:1:3: user: name is missing`},
		{"bad user name", "[[user]]\nname = \"al ce\"\n", `:2:8: user.name: "al ce" is not a valid user name (RFC 8265, Section 3.3)`},
		{"not a hash", user("")[:len(user(""))-1] + "\n[[user]]\nname = \"bob\"\npassword-hash = \"secret\"\n", `:6:17: user.password-hash: not an argon2id or bcrypt hash (make one with: msa hash-password)`},
		{"argon2 memory too big", "[[user]]\nname = \"a\"\npassword-hash = \"$argon2id$v=19$m=4194304,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA\"\n", `:3:17: user.password-hash: argon2id hash: parameter m must be from 1 to 1048576`},
		{"bcrypt cost too high", "[[user]]\nname = \"a\"\npassword-hash = \"$2b$20$" + strings.Repeat("a", 53) + "\"\n", `:3:17: user.password-hash: bcrypt hash: cost 20 is over 16`},
		{"user address not fully qualified", user("addresses = [\"alice@example.org\", \"alice@mail\"]\n"), `:4:35: user.addresses: "alice@mail" is not fully qualified: its domain needs two labels or more (RFC 6409, Section 4.2)`},
		{"bad address", user("addresses = [\"alice\"]\n"), `:4:14: user.addresses: "alice" is not an address (local@domain)`},
		{"recipient domain not fully qualified", user("recipients = [\"@local\"]\n"), `:4:15: user.recipients: "local" is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)`},
		{"user twice", user("") + "[[user]]\nname = \"Alice\"\npassword-hash = \"" + hash + "\"\n", `:5:1: user.name: user "alice" is already defined at line 2`},
		{"default address impossible", "domain = \"example.org\"\n[[user]]\nname = \"" + strings.Repeat("a", 65) + "\"\npassword-hash = \"" + hash + "\"\n", `:3:1: user.name: ` + strings.Repeat("a", 65) + `@example.org is not an address; give the user addresses`},
		{"rewrite to a partial domain", "[rewrite]\ndomains = { \"old.example.org\" = \"sales\" }\n", `:2:33: rewrite.domains: "sales" is not a fully-qualified domain name: it needs two labels or more (RFC 6409, Section 4.2)`},
		{"rewrite to itself", "[rewrite]\ndomains = { \"example.org\" = \"example.org\" }\n", `:1:2: rewrite: rewrite rule example.org -> example.org: maps a domain to itself`},
		{"user address under an undelegated TLD", user("addresses = [\"alice@example.con\"]\n"), `:4:14: user.addresses: "alice@example.con" would be refused: Sender domain must be fully qualified: "con" is not a delegated top-level domain`},
		{"own address under an undelegated TLD", "domain = \"example.lan\"\nlocal-domain = [\"corp\"]\n" + user("addresses = [\"alice@mail.corp\", \"@example.lan\", \"@mail.example.lna\"]\n"), `:6:49: user.addresses: "@mail.example.lna" would be refused: Sender domain must be fully qualified: "lna" is not a delegated top-level domain`},
		{"rewrite bad address", "[rewrite]\naddresses = { \"jru\" = \"J.R.U\" }\n", `:2:15: rewrite.addresses.jru: "jru" is not an address (local@domain)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			file := writeConfig(t, tc.file)
			_, err := configure([]string{"-config", file})
			want := file + tc.want
			if err == nil || err.Error() != want {
				t.Errorf("loading\n%s\n= %v\nwant %s", tc.file, err, want)
			}
			if errors.Is(err, msaconfig.ErrUsage) {
				t.Errorf("a bad file is not a usage error: %v", err)
			}
		})
	}
}
