package msaconfig

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/msakit/msakit/auth"
)

// hash-password reads the password from standard input (never argv) and
// prints a hash that checks it, argon2id by default, bcrypt with -bcrypt.
func TestHashPasswordCommand(t *testing.T) {
	t.Parallel()
	// The defaults, without checking the hash: that would cost seconds
	// under the race detector.
	var out bytes.Buffer
	if err := HashPasswordCommand(nil, strings.NewReader("secret\n"), &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if h := out.String(); !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") || strings.Count(h, "\n") != 1 {
		t.Errorf("hash-password printed %q, want one argon2id hash with RFC 9106's parameters", h)
	} else if _, err := parseHash(strings.TrimSpace(h)); err != nil {
		t.Errorf("parseHash(%q): %v", h, err)
	}
	for _, tc := range []struct {
		args   []string
		prefix string
	}{
		{[]string{"-m", "64", "-t", "1", "-p", "2"}, "$argon2id$v=19$m=64,t=1,p=2$"},
		{[]string{"-bcrypt", "-cost", "4"}, "$2a$04$"},
	} {
		var out bytes.Buffer
		// ä composed and a no-break space: hashed after RFC 8265 preparation.
		if err := HashPasswordCommand(tc.args, strings.NewReader("p\u00e4ss\u00a0word\r\nnext line\n"), &out, &bytes.Buffer{}); err != nil {
			t.Fatalf("hash-password %q: %v", tc.args, err)
		}
		h := strings.TrimSuffix(out.String(), "\n")
		if !strings.HasPrefix(h, tc.prefix) || strings.Contains(h, "\n") {
			t.Errorf("hash-password %q printed %q, want one line starting %s", tc.args, out.String(), tc.prefix)
		}
		v, err := parseHash(h)
		if err != nil {
			t.Fatalf("parseHash(%q): %v", h, err)
		}
		prepared, _ := auth.PreparePassword("pa\u0308ss word") // decomposed, ASCII space
		if !v.verify(prepared) || v.verify(prepared+"\r") || !v.weak() {
			t.Errorf("hash-password %q: the hash does not check exactly the first line, prepared", tc.args)
		}
	}
	for _, tc := range []struct {
		args  []string
		in    string
		want  string
		usage bool
	}{
		{[]string{"secret"}, "", `hash-password: unexpected argument "secret": the password is read from standard input, never from the command line`, true},
		{nil, "\n", "hash-password: empty password", false},
		{nil, "", "hash-password: empty password", false},
		{nil, strings.Repeat("x", 5000), "hash-password: the password is longer than 4096 octets", false},
		{[]string{"-bcrypt", "-cost", "4"}, strings.Repeat("x", 73), "hash-password: bcrypt: bcrypt: password length exceeds 72 bytes", false},
		{[]string{"-bcrypt", "-cost", "17"}, "x", "hash-password: -cost must be from 4 to 16", true},
		{[]string{"-m", "16", "-p", "4"}, "x", "hash-password: -m must be from 8 times -p to 1048576 (KiB)", true},
		{[]string{"-t", "0"}, "x", "hash-password: -t must be from 1 to 64", true},
	} {
		err := HashPasswordCommand(tc.args, strings.NewReader(tc.in), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || err.Error() != tc.want || errors.Is(err, ErrUsage) != tc.usage {
			t.Errorf("hash-password %q with %d octets = %v, want %s (usage %v)", tc.args, len(tc.in), err, tc.want, tc.usage)
		}
	}
}

// Unicode compositions and spaces of a password are one password (RFC
// 8265, Section 4.2) at AUTH.
func TestAuthPreparesPassword(t *testing.T) {
	t.Parallel()
	prepared, err := auth.PreparePassword("p\u00e4ss\u00a0word") // ä composed, no-break space
	if err != nil {
		t.Fatal(err)
	}
	h, err := argon2String(prepared, 1, 1024, 1, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseHash(h)
	if err != nil {
		t.Fatal(err)
	}
	u := NewUsers(&Directory{users: map[string]*user{"alice": {password: v}}, dummy: v})
	for _, pw := range []string{"p\u00e4ss\u00a0word", "pa\u0308ss word"} { // decomposed, ASCII space
		if id, err := u.AuthenticatePassword(t.Context(), "", "Alice", pw); err != nil || id.User() != "alice" {
			t.Errorf("AUTH as Alice with %q = %q, %v; want alice", pw, id.User(), err)
		}
	}
}

func TestParseHash(t *testing.T) {
	t.Parallel()
	for _, h := range []string{
		"$argon2id$v=19$m=65536,t=3,p=4$ED151VgKEBeBweabPN5aXA$Vyaq8IaFOIe0vqx8qK5vH9bgPVxp9qCLLVmHIi+3/AI",
		"$2a$12$rbJmTynJtlfWDuLBn96lTOCqHwn9kHQwiXek7RNOrcOZCFfk9tvuK",
		"$2y$04$" + strings.Repeat("a", 53), // PHP's and htpasswd's prefix
	} {
		if _, err := parseHash(h); err != nil {
			t.Errorf("parseHash(%q) = %v", h, err)
		}
	}
	for _, h := range []string{
		"", "secret", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // argon2i, not argon2id
		"$argon2id$v=16$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=65536,t=0,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=65536,t=3,p=256$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=16,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // m < 8p
		"$argon2id$v=19$t=3,m=65536,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA", // salt of 4 octets
		"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA",            // hash of 4 octets
		"$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA$",
		"$2a$12$short",
		"$2a$03$" + strings.Repeat("a", 53),
	} {
		if v, err := parseHash(h); err == nil {
			t.Errorf("parseHash(%q) = %v, want an error", h, v)
		} else if strings.Contains(err.Error(), "c2FsdHNhbHQ") {
			t.Errorf("parseHash(%q): the error %q quotes the hash", h, err)
		}
	}
}

// bcrypt reads only the first 72 octets of a password; a longer one is
// refused rather than matched by its prefix.
func TestBcryptLongPassword(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 72)
	h, err := bcrypt.GenerateFromPassword([]byte(long), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseHash(string(h))
	if err != nil {
		t.Fatal(err)
	}
	if !v.verify(long) || v.verify(long+"y") {
		t.Errorf("bcrypt: 72 octets ok %v, 73 octets ok %v; want true, false", v.verify(long), v.verify(long+"y"))
	}
}
