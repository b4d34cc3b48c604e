package auth_test

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/text/secure/precis"

	"github.com/msakit/msakit/auth"
)

// fuzzExchange feeds the fuzzed responses, split at "\n--\n", to a fresh
// server of mech. Properties: Next never panics; every error matches exactly
// one sentinel; done and an error never come together; the done callback
// runs exactly once on success and never otherwise; after the end every
// further response is refused with ErrMalformed.
func fuzzExchange(t *testing.T, mech string, c auth.ConnState, data []byte, initial bool) {
	calls := 0
	srv, err := auth.NewServer(t.Context(), mech, c, newFakeAuth(), clock, func(id auth.Identity) {
		calls++
		if id.IsZero() || id.Mechanism != mech {
			t.Fatalf("done callback got %+v", id)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var responses [][]byte
	if !initial {
		responses = append(responses, nil)
	}
	responses = append(responses, bytes.Split(data, []byte("\n--\n"))...)
	ended, succeeded := false, false
	for _, r := range responses {
		_, done, err := srv.Next(r)
		switch {
		case ended:
			if done || err == nil {
				t.Fatalf("Next after the end = %v, %v", done, err)
			}
			checkSentinel(t, err)
		case err != nil:
			if done {
				t.Fatalf("Next = done and %v", err)
			}
			checkSentinel(t, err)
			ended = true
		case done:
			ended, succeeded = true, true
		}
	}
	if succeeded && calls != 1 || !succeeded && calls != 0 {
		t.Fatalf("done callback called %d times, success %v", calls, succeeded)
	}
}

func FuzzPlain(f *testing.F) {
	for _, s := range []string{
		"\x00alice\x00secret", "shared\x00alice\x00secret", "bob\x00alice\x00secret",
		"\x00alice\x00wrong", "", "\x00", "\x00\x00", "\x00\x00\x00", "alice\x00secret",
		"\x00al\xffice\x00secret", "\x00alice\r\n\x00secret", "\x00alice\x00secret\n--\nagain",
		"\x00ÀLICE\x00pässwörd",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, initial bool) {
		fuzzExchange(t, "PLAIN", withTLS, data, initial)
	})
}

func FuzzLogin(f *testing.F) {
	for _, s := range []string{
		"alice\n--\nsecret", "alice\n--\nwrong", "\n--\n", "alice\n--\n", "\xff\n--\nx",
		"alice\n--\nsecret\n--\nmore",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, initial bool) {
		fuzzExchange(t, "LOGIN", withTLS, data, initial)
	})
}

func FuzzOAuthBearer(f *testing.F) {
	for _, s := range []string{
		"n,,\x01auth=Bearer tok-alice.1\x01\x01",
		"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01\n--\n\x01",
		"n,a=shared,\x01auth=Bearer tok-alice.1\x01\x01",
		"n,a=sh=3Dar=2Ced,\x01auth=Bearer tok-alice.1\x01\x01",
		"y,,\x01mthd=POST\x01auth=bearer  tok-alice.1\x01\x01",
		"p=tls-unique,,\x01auth=Bearer x\x01\x01\n--\n\x01",
		"\x01", "", "n,,", "n,,\x01", "n,,\x01\x01", "n,,\x01auth=Bearer bad\x01\x01\n--\n",
		"n,,\x01auth=Bearer bad\x01\x01\n--\nxx", "n,a=x=4,\x01\x01",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, initial bool) {
		fuzzExchange(t, "OAUTHBEARER", auth.ConnState{TLS: true, Host: "server.example.com"}, data, initial)
	})
}

func FuzzExternal(f *testing.F) {
	for _, s := range []string{"", "alice", "shared", "bob", "a\x00b", "\xff", "\n--\n"} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, initial bool) {
		fuzzExchange(t, "EXTERNAL", auth.ConnState{TLS: true, VerifiedChains: chain("alice.example.org")}, data, initial)
	})
}

// FuzzNormalizeUsername: never panics; the result is a fixed point, and is
// no longer than the bound.
func FuzzNormalizeUsername(f *testing.F) {
	for _, s := range []string{"alice", "Alice", "ÀLICE", "ＡＬＩＣＥ", "e\u0301", "a b", "\xff", "ΣΑΣ", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := auth.NormalizeUsername(s)
		if err != nil {
			return
		}
		if n == "" {
			t.Fatalf("NormalizeUsername(%q) = empty", s)
		}
		again, err := auth.NormalizeUsername(n)
		if err != nil || again != n {
			t.Fatalf("NormalizeUsername(%q) = %q, but that normalises to %q, %v", s, n, again, err)
		}
	})
}

// FuzzPreparePassword: never panics; the printable-ASCII fast path gives
// what the RFC 8265 OpaqueString profile gives, for every input (an empty
// result is an error either way), and the result is a fixed point, so a
// password hashed once and checked later compares equal (Section 4.2).
func FuzzPreparePassword(f *testing.F) {
	for _, s := range []string{"correct horse", " lead", "trail ", "\u00a0nbsp", "e\u0301", "\u2163", "\x00", "\xff", "", "\u3000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := auth.PreparePassword(s)
		want, werr := precis.OpaqueString.String(s)
		if werr == nil && want == "" {
			werr = errors.New("empty")
		}
		if (err == nil) != (werr == nil) || err == nil && p != want {
			t.Fatalf("PreparePassword(%q) = %q, %v; OpaqueString gives %q, %v", s, p, err, want, werr)
		}
		if err != nil {
			return
		}
		if again, err := auth.PreparePassword(p); err != nil || again != p {
			t.Fatalf("PreparePassword(%q) = %q, but that prepares to %q, %v", s, p, again, err)
		}
	})
}
