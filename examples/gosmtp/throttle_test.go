package gosmtp

import (
	"encoding/base64"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/msakit/msakit/submission"
)

// TestRaw_AuthThrottleCloses: a client that keeps failing AUTH is throttled
// with 454 4.7.0, then gets one 421 4.7.0 and the connection is closed (RFC
// 5321, Section 3.8), over real TCP and TLS; the next connection from the
// same address is still throttled.
func TestRaw_AuthThrottleCloses(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false, func(c *submission.Config) {
		c.Limits.AuthFailuresPerIP = submission.Limit{Max: 2, Per: time.Hour}
	})
	wrong := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+testUser+"\x00wrong"))
	right := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+testUser+"\x00"+testPassword))
	rc := ts.raw(t)
	rc.startTLS()
	for _, want := range []struct {
		line string
		code int
		enh  string
	}{
		{wrong, 535, "5.7.8"},
		{wrong, 535, "5.7.8"},
		{wrong, 454, "4.7.0"},
		{right, 454, "4.7.0"},
		{right, 421, "4.7.0"},
	} {
		if r := rc.cmd(want.line); r.code != want.code || r.enhanced != want.enh {
			t.Fatalf("AUTH: %v, want %d %s", r, want.code, want.enh)
		}
	}
	_ = rc.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := rc.text.ReadLine(); !errors.Is(err, io.EOF) {
		t.Fatalf("after 421: read %q, %v; want the connection closed (EOF)", line, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ts.be.Sessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions open after the 421", ts.be.Sessions())
		}
		time.Sleep(10 * time.Millisecond)
	}

	rc = ts.raw(t)
	rc.startTLS()
	if r := rc.cmd(right); r.code != 454 || r.enhanced != "4.7.0" {
		t.Fatalf("AUTH on a new connection: %v, want 454 4.7.0", r)
	}
}

// TestRaw_AuthCancelGivesBack: an AUTH exchange the client cancels with
// "*" (RFC 4954, Section 4), or one the guard ends for a line that is not
// BASE64, costs the address nothing, at once: with a limit of one failure,
// another connection from the address authenticates while the first one
// stays open.
func TestRaw_AuthCancelGivesBack(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, false, func(c *submission.Config) {
		c.Limits.AuthFailuresPerIP = submission.Limit{Max: 1, Per: time.Hour}
	})
	right := "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00"+testUser+"\x00"+testPassword))
	for _, end := range []struct{ line, want string }{
		{"*", "501 5.0.0"},
		{"not base64!", "501 5.5.2"},
	} {
		rc := ts.raw(t)
		rc.startTLS()
		rc.must("AUTH LOGIN", "334")
		rc.must(end.line, end.want)
		other := ts.raw(t)
		other.startTLS()
		if r := other.cmd(right); r.code != 235 {
			t.Fatalf("after %q on another connection: AUTH = %v, want 235: the ended exchange is still charged", end.line, r)
		}
		rc.must("NOOP", "250 2.0.0")
	}
}
