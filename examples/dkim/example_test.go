package dkim_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net/netip"
	"strings"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Example signs every message submitted as example.org with an Ed25519 key:
// the agent's reader hands the DKIM-Signature field over at its end, and
// the server queues it in front of the message.
func Example() {
	domain, _ := envelope.ParseDomain("example.org")
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)) // use GenerateKey, or ParsePrivateKey on a key file
	signer, err := dkim.New(dkim.Config{Keys: []dkim.Key{{Domain: domain, Selector: "ed2026", Signer: key}}})
	if err != nil {
		panic(err)
	}
	record, _ := dkim.Record(key)
	fmt.Println("publish at ed2026._domainkey.example.org:", record)

	users := auth.NewUsers()
	alice, _ := envelope.ParseMailbox("alice@example.org")
	_ = users.Add("alice", "secret", alice)
	hostname, _ := envelope.ParseDomain("msa.example.org")
	agent, err := submission.New(submission.Config{Hostname: hostname, Authenticator: users, Signer: signer})
	if err != nil {
		panic(err)
	}

	ctx := context.Background()
	s := agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000")})
	s.Authenticated(auth.Identity{AuthenticationID: "alice", Mechanism: "PLAIN", Address: alice})
	_ = s.Mail(ctx, "<alice@example.org>", nil)
	_ = s.Rcpt(ctx, "<bob@example.com>", nil)
	r, err := s.Data(ctx, strings.NewReader("From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\nHello.\r\n"))
	if err != nil {
		panic(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil { // a real server spools the message here
		panic(err)
	}
	sig := string(r.(submission.SignedReader).Signature()) // then writes this in front of it
	for tag := range strings.SplitSeq(strings.Join(strings.Fields(sig), ""), ";") {
		if strings.HasPrefix(tag, "DKIM-Signature:a=") || strings.HasPrefix(tag, "d=") || strings.HasPrefix(tag, "s=") || strings.HasPrefix(tag, "h=") {
			fmt.Println(tag)
		}
	}
	// Output:
	// publish at ed2026._domainkey.example.org: v=DKIM1; k=ed25519; p=O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=
	// DKIM-Signature:a=ed25519-sha256
	// d=example.org
	// h=From:From:Subject:Date:To
	// s=ed2026
}
