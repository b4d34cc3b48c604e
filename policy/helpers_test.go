package policy_test

import (
	"testing"

	"github.com/msakit/msakit/internal/msatest"
)

// The shared test helpers (internal/msatest) under this package's short
// names.
var (
	authedConn = msatest.AuthedConn
	tx         = msatest.Transaction
	rcpt       = msatest.Recipient
	mustChain  = msatest.Chain
)

// want is an expected outcome, a reply code and its full enhanced code
// ("5.7.1"): Code 0 means accept.
type want struct {
	Code     int
	Enhanced string
}

// checkReply fails unless err matches w (see msatest.CheckReply).
func checkReply(t testing.TB, what string, err error, w want) {
	t.Helper()
	msatest.CheckReply(t, what, err, w.Code, w.Enhanced)
}
