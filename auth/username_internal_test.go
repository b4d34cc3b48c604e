package auth

import (
	"testing"

	"golang.org/x/text/secure/precis"
)

// TestNormalizeUsernameFastPath checks that the ASCII fast path gives what
// the RFC 8265 profile gives, for every printable ASCII character and for
// every character in a mixed-case name.
func TestNormalizeUsernameFastPath(t *testing.T) {
	t.Parallel()
	for c := byte(0x21); c <= 0x7e; c++ {
		for _, in := range []string{string(c), "a" + string(c) + "Z"} {
			want, err := precis.UsernameCaseMapped.String(in)
			got, gerr := NormalizeUsername(in)
			if (err == nil) != (gerr == nil) || got != want {
				t.Errorf("NormalizeUsername(%q) = %q, %v; precis gives %q, %v", in, got, gerr, want, err)
			}
		}
	}
}

func TestPreparePasswordFastPath(t *testing.T) {
	t.Parallel()
	for c := byte(0x20); c <= 0x7e; c++ {
		in := "p" + string(c) + "Q"
		want, err := precis.OpaqueString.String(in)
		got, gerr := PreparePassword(in)
		if (err == nil) != (gerr == nil) || got != want {
			t.Errorf("PreparePassword(%q) = %q, %v; precis gives %q, %v", in, got, gerr, want, err)
		}
	}
}

// TestUsersKeepNoPassword checks that the store holds digests, not
// passwords, and that the digest is salted by the user name.
func TestUsersKeepNoPassword(t *testing.T) {
	t.Parallel()
	u := NewUsers()
	if err := u.Add("alice", "same", Identity{}.Address); err != nil {
		t.Fatal(err)
	}
	if err := u.Add("bob", "same", Identity{}.Address); err != nil {
		t.Fatal(err)
	}
	if u.users["alice"].digest == u.users["bob"].digest {
		t.Error("equal passwords of two users give equal digests")
	}
	if u.users["alice"].digest == u.dummy {
		t.Error("digest equals the dummy digest")
	}
}
