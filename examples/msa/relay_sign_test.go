package main

import (
	"bufio"
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
)

// signingDomains reads d= from every DKIM-Signature field (RFC 6376,
// Section 3.5), folded or not, with white space around tags and values.
func TestSigningDomains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sig  string
		want []string
	}{
		{"DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s1; h=from; bh=x; b=y\r\n", []string{"example.org"}},
		{"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n d = Example.ORG ; s=s1;\r\n\th=from; bh=x; b=y\r\n" +
			"DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=ed; h=from; bh=x; b=y\r\n", []string{"example.org"}},
		{"DKIM-Signature: v=1; d=a.example; b=y\r\nDKIM-Signature: d=b.example\r\n", []string{"a.example", "b.example"}},
		{"DKIM-Signature: v=1; dd=example.org; b=y\r\n", nil},
		{"X-Signature: d=example.org\r\n", nil},
		{"", nil},
		{"not a field\r\n", nil},
	}
	for _, tc := range tests {
		if got := signingDomains([]byte(tc.sig)); !slices.Equal(got, tc.want) {
			t.Errorf("signingDomains(%q) = %q, want %q", tc.sig, got, tc.want)
		}
	}
}

// authorsIn keeps the From and Resent-From mailboxes of the signing
// domains, From first.
func TestAuthorsIn(t *testing.T) {
	t.Parallel()
	h, err := header.Read(bufio.NewReader(strings.NewReader("Resent-From: carol@example.org\r\n"+
		"From: Alice <alice@example.org>, bob@example.net\r\nSender: dave@example.org\r\nFrom: broken@\r\n\r\n")), header.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range authorsIn(h, []string{"example.org"}) {
		got = append(got, m.String())
	}
	if want := []string{"alice@example.org", "carol@example.org"}; !slices.Equal(got, want) {
		t.Errorf("authorsIn = %q, want %q", got, want)
	}
}
