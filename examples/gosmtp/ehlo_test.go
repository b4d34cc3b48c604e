package gosmtp

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// ehloLines says EHLO and returns the response's greeting and keyword
// lines.
func (rc *rawClient) ehloLines() (greeting string, keywords []string) {
	rc.t.Helper()
	r := rc.must("EHLO client.example.net", "250")
	return r.lines[0], r.lines[1:]
}

// TestRaw_EHLOKeywords: the EHLO response offers exactly the keywords
// msakit's Agent.Extensions gives for the connection, with its
// parameters and in its order (RFC 6409, Section 7), not go-smtp's fixed
// PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and SIZE;
// STARTTLS only where the guard can run it. Its first line starts with
// the server's domain (RFC 5321, Section 4.1.1.1), which go-smtp leaves
// out.
func TestRaw_EHLOKeywords(t *testing.T) {
	t.Parallel()
	plain := policy.Conn{ESMTP: true}
	underTLS := policy.Conn{ESMTP: true, TLS: &tls.ConnectionState{Version: tls.VersionTLS13}}
	check := func(t *testing.T, what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: EHLO keywords %q, want msakit's %q", what, got, want)
		}
	}
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, false)
		rc := ts.raw(t)
		greeting, kw := rc.ehloLines()
		if want := testHost + " Hello client.example.net"; greeting != want {
			t.Errorf("EHLO greeting %q, want %q (RFC 5321, Section 4.1.1.1: the server's domain first)", greeting, want)
		}
		check(t, "before TLS", kw, ts.be.agent.Extensions(plain)) // STARTTLS, no AUTH PLAIN in cleartext
		rc.startTLS()
		_, kw = rc.ehloLines()
		check(t, "under TLS", kw, ts.be.agent.Extensions(underTLS))
		if !slices.Contains(kw, "AUTH PLAIN LOGIN") || !slices.Contains(kw, "SIZE 33554432") {
			t.Errorf("under TLS: %q lacks AUTH PLAIN LOGIN or SIZE 33554432", kw)
		}
	})
	t.Run("keywords left out", func(t *testing.T) {
		t.Parallel()
		agent := newTrustedAgent(t, func(c *submission.Config) {
			c.Chunking = false
			c.DisableExtensions = []string{"PIPELINING", "DSN", "SIZE"}
		})
		ts := newTestServerWith(t, false, agent, ListenOptions{STARTTLS: testTLSConfig(t)})
		rc := ts.raw(t)
		_, kw := rc.ehloLines()
		check(t, "without Chunking, PIPELINING, DSN, SIZE", kw, agent.Extensions(plain))
		for _, left := range []string{"PIPELINING", "DSN", "SIZE", "CHUNKING", "BINARYMIME"} {
			if slices.ContainsFunc(kw, func(k string) bool { return strings.HasPrefix(k, left) }) {
				t.Errorf("%s offered: %q", left, kw)
			}
		}
		// go-smtp has no switch for BDAT: a client that uses it anyway is
		// served, under msakit's DATA rules (RFC 6409, Section 7).
		rc.transaction()
		msg := trustedHeader + "hi\r\n"
		rc.write([]byte(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg), msg)))
		rc.expect("250 2.0.0")
		ts.delivered(t, 1)
	})
	t.Run("no STARTTLS config", func(t *testing.T) {
		t.Parallel()
		agent := newTrustedAgent(t)
		ts := newTestServerWith(t, false, agent, ListenOptions{})
		rc := ts.raw(t)
		_, kw := rc.ehloLines()
		want := slices.DeleteFunc(agent.Extensions(plain), func(k string) bool { return k == "STARTTLS" })
		check(t, "without ListenOptions.STARTTLS", kw, want)
	})
	t.Run("greeting only", func(t *testing.T) {
		t.Parallel()
		agent := newTestAgent(t, func(c *submission.Config) {
			c.Chunking = false
			c.DisableExtensions = []string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "SIZE", "STARTTLS"}
		})
		if ext := agent.Extensions(plain); len(ext) != 0 {
			t.Fatalf("msakit offers %q, want nothing in cleartext", ext)
		}
		ts := newTestServerWith(t, false, agent, ListenOptions{STARTTLS: testTLSConfig(t)})
		rc := ts.raw(t)
		r := rc.must("EHLO client.example.net", "250")
		if len(r.lines) != 1 || r.lines[0] != testHost+" Hello client.example.net" {
			t.Errorf("EHLO response %v, want the greeting line alone", r)
		}
	})
}
