package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
)

// "submission accepted" is logged once the spool has committed the
// message, after "spooled", and never for a message the spool failed to
// keep (issue 11: it was logged for messages that then failed to spool).
func TestMSA_AcceptedLoggedAfterCommit(t *testing.T) {
	t.Parallel()
	var logs extest.LockedBuffer
	m, spool := startMSALog(t, io.MultiWriter(&logs, t.Output()))
	c := goClient(t, m.addr, true)
	if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	l := logs.String()
	if spooled := strings.Index(l, "msg=spooled"); strings.Count(l, `msg="submission accepted"`) != 1 || spooled < 0 || spooled > strings.Index(l, `msg="submission accepted"`) {
		t.Fatalf("want one \"submission accepted\" after \"spooled\":\n%s", l)
	}

	// The spool directory is replaced by a file: the next message cannot
	// be spooled (even for root), the client gets 451 4.3.0, and nothing
	// says it was accepted.
	if err := os.RemoveAll(spool); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spool, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := send(c, testFrom, []string{testRcpt}, testMessage)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 451 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 0}) {
		t.Fatalf("send with a broken spool: %v, want 451 4.3.0", err)
	}
	if n := strings.Count(logs.String(), `msg="submission accepted"`); n != 1 {
		t.Errorf("%d \"submission accepted\" records after a failed spool, want still 1:\n%s", n, logs.String())
	}
}
