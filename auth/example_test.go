package auth_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// Example runs one PLAIN exchange the way an SMTP server's AUTH handler
// would: advertise, start the mechanism, feed it the decoded client
// response, and keep the identity from the done callback.
func Example() {
	users := auth.NewUsers()
	addr, _ := envelope.ParseMailbox("alice@example.org")
	if err := users.Add("Alice", "correct horse", addr); err != nil {
		fmt.Println(err)
		return
	}
	conn := auth.ConnState{TLS: true}
	fmt.Println("AUTH", auth.Mechanisms(conn, users))

	clock := func() time.Time { return time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) }
	var id auth.Identity
	srv, err := auth.NewServer(context.Background(), "PLAIN", conn, users, clock, func(got auth.Identity) { id = got })
	if err != nil {
		fmt.Println(err)
		return
	}
	_, done, err := srv.Next([]byte("\x00ALICE\x00correct horse"))
	fmt.Println(done, err)
	fmt.Println(id.User(), id.Mechanism, id.Address, id.At.Format(time.RFC3339))
	// Output:
	// AUTH [PLAIN LOGIN]
	// true <nil>
	// alice PLAIN alice@example.org 2026-11-23T20:00:00Z
}

// ExampleMechanisms shows that cleartext mechanisms are not offered
// without TLS (RFC 4954, Section 4; RFC 8314).
func ExampleMechanisms() {
	users := auth.NewUsers()
	fmt.Println(auth.Mechanisms(auth.ConnState{}, users))
	fmt.Println(auth.Mechanisms(auth.ConnState{TLS: true}, users))
	// Output:
	// []
	// [PLAIN LOGIN]
}

// ExampleNewServer_encryptionRequired shows the error a server maps to
// 538 5.7.11 when PLAIN is tried without TLS.
func ExampleNewServer_encryptionRequired() {
	_, err := auth.NewServer(context.Background(), "PLAIN", auth.ConnState{}, auth.NewUsers(), nil, nil)
	fmt.Println(errors.Is(err, auth.ErrEncryptionRequired))
	// Output:
	// true
}

// ExampleNewServer_badCredentials shows that a wrong password and an
// unknown user look the same (535 5.7.8).
func ExampleNewServer_badCredentials() {
	users := auth.NewUsers()
	_ = users.Add("alice", "secret", envelope.Mailbox{})
	for _, resp := range []string{"\x00alice\x00wrong", "\x00nobody\x00secret"} {
		srv, _ := auth.NewServer(context.Background(), "PLAIN", auth.ConnState{TLS: true}, users, nil, nil)
		_, _, err := srv.Next([]byte(resp))
		fmt.Println(errors.Is(err, auth.ErrInvalidCredentials))
	}
	// Output:
	// true
	// true
}

// ExampleSenders lets an identity use its own address, an alias, a whole
// domain and subaddresses (RFC 6409, Section 6.1).
func ExampleSenders() {
	s := auth.NewSenders("+")
	if err := s.Allow("alice", "postmaster@example.org", "@bücher.example"); err != nil {
		fmt.Println(err)
		return
	}
	own, _ := envelope.ParseMailbox("alice@example.org")
	id := auth.Identity{AuthenticationID: "alice", Address: own}
	for _, from := range []string{
		"alice+lists@example.org",
		"Postmaster@example.org",
		"anyone@xn--bcher-kva.example",
		"bob@example.org",
	} {
		m, _ := envelope.ParseMailbox(from)
		ok, _ := s.AuthorizeSender(context.Background(), id, m)
		fmt.Println(from, ok)
	}
	// Output:
	// alice+lists@example.org true
	// Postmaster@example.org true
	// anyone@xn--bcher-kva.example true
	// bob@example.org false
}

// ExampleNormalizeUsername shows RFC 8265 UsernameCaseMapped preparation.
func ExampleNormalizeUsername() {
	for _, name := range []string{"Alice", "ＡＬＩＣＥ", "alice smith"} {
		n, err := auth.NormalizeUsername(name)
		fmt.Printf("%q %v\n", n, err != nil)
	}
	// Output:
	// "alice" false
	// "alice" false
	// "" true
}

// tokens is a TokenAuthenticator over a fixed table, standing in for a
// server's OAuth token introspection.
type tokens struct {
	*auth.Users
	byToken map[string]string
}

func (t tokens) AuthenticateToken(_ context.Context, _, token string) (auth.Identity, error) {
	user, ok := t.byToken[token]
	if !ok {
		return auth.Identity{}, auth.ErrInvalidCredentials
	}
	return auth.Identity{AuthenticationID: user}, nil
}

// ExampleTokenAuthenticator runs OAUTHBEARER (RFC 7628, Section 3): a good
// token, then a bad one, which gets the JSON error result and ends after
// the client's %x01.
func ExampleTokenAuthenticator() {
	a := tokens{Users: auth.NewUsers(), byToken: map[string]string{"vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==": "alice"}}
	conn := auth.ConnState{TLS: true, Host: "mail.example.org"}
	fmt.Println(auth.Mechanisms(conn, a))

	good := "n,a=alice,\x01host=mail.example.org\x01port=587\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"
	srv, _ := auth.NewServer(context.Background(), "OAUTHBEARER", conn, a, nil, func(id auth.Identity) { fmt.Println("authenticated", id.User()) })
	_, done, err := srv.Next([]byte(good))
	fmt.Println(done, err)

	bad := "n,,\x01auth=Bearer expired\x01\x01"
	srv, _ = auth.NewServer(context.Background(), "OAUTHBEARER", conn, a, nil, nil)
	challenge, done, err := srv.Next([]byte(bad))
	fmt.Println(string(challenge), done, err)
	_, _, err = srv.Next([]byte{0x01})
	fmt.Println(errors.Is(err, auth.ErrInvalidCredentials))
	// Output:
	// [OAUTHBEARER PLAIN LOGIN]
	// authenticated alice
	// true <nil>
	// {"status":"invalid_token","schemes":"bearer"} false <nil>
	// true
}
