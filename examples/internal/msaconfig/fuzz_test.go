package msaconfig

import (
	"os"
	"strings"
	"testing"
)

// FuzzParseUser checks the -user parser (parseUserSpec): it never panics, and what it
// accepts has a name without a colon, a password, and addresses that each
// hold an '@'; NAME:PASSWORD[:ADDRS] put back together is the input.
func FuzzParseUser(f *testing.F) {
	for _, s := range []string{"alice:pw", "alice:pw:alice@example.org", "bob:a:b:@example.net,bob@example.org", ":", "a::", "a:b:", "a:b:c@d,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u := parseUserSpec(s)
		if u.err != nil {
			return
		}
		if u.name == "" || strings.Contains(u.name, ":") || u.password == "" {
			t.Fatalf("parseUserSpec(%q) = %+v", s, u)
		}
		back := u.name + ":" + u.password
		if u.addresses != nil {
			for _, a := range u.addresses {
				if !strings.Contains(a, "@") {
					t.Fatalf("parseUserSpec(%q): address %q without '@'", s, a)
				}
			}
			back += ":" + strings.Join(u.addresses, ",")
		}
		if back != s {
			t.Fatalf("parseUserSpec(%q) = %+v, which reads back as %q", s, u, back)
		}
	})
}

// FuzzParseHash: a password-hash value never panics the parser, whatever
// it holds; what parses has parameters within the bounds (so a check
// cannot allocate gigabytes) and an error never quotes the value.
func FuzzParseHash(f *testing.F) {
	for _, s := range []string{
		"$argon2id$v=19$m=65536,t=3,p=4$ED151VgKEBeBweabPN5aXA$Vyaq8IaFOIe0vqx8qK5vH9bgPVxp9qCLLVmHIi+3/AI",
		"$2a$12$rbJmTynJtlfWDuLBn96lTOCqHwn9kHQwiXek7RNOrcOZCFfk9tvuK",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$$$$$", "$2y$", "$2b$99$" + strings.Repeat("/", 53), "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseHash(s)
		if err != nil {
			if len(s) > 40 && strings.Contains(err.Error(), s) {
				t.Fatalf("parseHash(%q): the error %q quotes the value", s, err)
			}
			return
		}
		switch h := v.(type) {
		case *argon2Hash:
			if h.memory > maxArgon2Memory || h.time > maxArgon2Time || h.threads == 0 || h.time == 0 || len(h.key) < 16 || len(h.key) > 64 {
				t.Fatalf("parseHash(%q) = %+v, out of bounds", s, h)
			}
		case *bcryptHash:
			if h.cost > maxBcryptCost {
				t.Fatalf("parseHash(%q): cost %d", s, h.cost)
			}
		}
	})
}

// FuzzParseConfig: any config file content is either loaded and checked,
// or refused with one line that starts with the file's name; nothing
// panics (the decoder, the position scan, the checks, the users, the keys
// a program ignores), for either program.
func FuzzParseConfig(f *testing.F) {
	example, err := os.ReadFile(exampleFile)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		string(example),
		"listen = \"127.0.0.1:0\"\n[[user]]\nname = \"a\"\naddresses = [[\"x\"], {a = 1}]\n",
		"[rewrite]\ndomains = { \"a.b.c\" = \"d.e\" }\naddresses = { \"x@y.z\" = \"q\" }\n",
		"data-timeout = 1979-05-27T07:32:00Z\nmax-size = 1e3\n[[user.x]]\n[[user]]\n",
		"a.b.c = 1\n\"quoted key\" = [1, [2, [3]]]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range []*Program{serverProgram, milterProgram} {
			c, file, err := parseConfig("fuzz.toml", data)
			if err == nil {
				_ = file.ignored(p)
				l := &Loaded{Settings: c, file: file, cl: &CommandLine{program: p}}
				if err = l.check(); err == nil {
					if _, err = l.rewriteRules(); err == nil {
						_, err = l.newDirectory()
					}
				}
			}
			if err != nil && (!strings.HasPrefix(err.Error(), "fuzz.toml") && !strings.HasPrefix(err.Error(), "-") || strings.Contains(err.Error(), "\n")) {
				t.Fatalf("parseConfig(%q) for %s: error %q is not one line naming the file", data, p.Name, err)
			}
		}
	})
}

// FuzzMilterAddress: [milter] listen never panics the parser; what it
// accepts reads back from its String, and names a TCP HOST:PORT or a
// socket path.
func FuzzMilterAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1:8891", "inet:8891@[::1]", "inet6:8891@::1", "unix:/run/m.sock", "local:x", "inet:", ":", "inet:@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a MilterAddress
		if a.Set(s) != nil {
			return
		}
		var back MilterAddress
		if err := back.Set(a.String()); err != nil || back != a {
			t.Fatalf("%q = %+v, whose String %q reads back as %+v, %v", s, a, a.String(), back, err)
		}
		if a.Network() != "unix" && a.Network() != "tcp" || a.Address() == "" {
			t.Fatalf("%q = %+v", s, a)
		}
	})
}

// FuzzLoginSpec: msakit-milter's -user never panics; what it accepts has a
// name, and addresses that each hold an '@'; NAME[:ADDRS] put back
// together is the input.
func FuzzLoginSpec(f *testing.F) {
	for _, s := range []string{"alice", "alice:alice@example.org,@example.net", "odd:name:carol@example.org", ":a@b", "a:", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l loginSpec
		if l.Set(s) != nil {
			return
		}
		if l.name == "" || l.password != "" {
			t.Fatalf("%q = %+v", s, l)
		}
		for _, a := range l.addresses {
			if !strings.Contains(a, "@") {
				t.Fatalf("%q: address %q without '@'", s, a)
			}
		}
		if l.String() != s {
			t.Fatalf("%q = %+v, which reads back as %q", s, l, l.String())
		}
	})
}
