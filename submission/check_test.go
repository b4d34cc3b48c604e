package submission_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestCheckAddress: the reply CheckAddress gives is the one MAIL or RCPT
// gives through a Session, code and enhanced code, and the path is the one
// the MSA relays.
func TestCheckAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *submission.Config) { c.Expand = mustDomain(t, "example.org") })
	plain := newFixture(t, nil)
	cases := []struct {
		name     string
		f        *fixture
		stage    submission.Stage
		path     string
		smtputf8 bool
		code     int
		enh      string
		want     string // the path as relayed, when accepted
	}{
		{"sender", plain, submission.StageMail, "<alice@example.org>", false, 0, "", "<alice@example.org>"},
		{"sender without brackets", plain, submission.StageMail, "alice@example.org", false, 0, "", "<alice@example.org>"},
		{"null reverse-path", plain, submission.StageMail, "<>", false, 0, "", "<>"},
		{"sender syntax", plain, submission.StageMail, "<alice@@example.org>", false, 501, "5.1.7", ""},
		{"unqualified sender", plain, submission.StageMail, "<alice@sales>", false, 554, "5.1.8", ""},
		{"unqualified sender, expanded", f, submission.StageMail, "<alice@sales>", false, 0, "", "<alice@sales.example.org>"},
		{"non-ASCII sender without SMTPUTF8", plain, submission.StageMail, "<jörg@example.org>", false, 550, "5.6.7", ""},
		{"non-ASCII sender with SMTPUTF8", plain, submission.StageMail, "<jörg@example.org>", true, 0, "", "<jörg@example.org>"},
		{"IDN sender in U-labels without SMTPUTF8", plain, submission.StageMail, "<joerg@bücher.example>", false, 550, "5.6.7", ""},
		{"recipient", plain, submission.StageRcpt, "<bob@example.com>", false, 0, "", "<bob@example.com>"},
		{"Postmaster", plain, submission.StageRcpt, "<Postmaster>", false, 0, "", "<postmaster@msa.example.org>"},
		{"null forward-path", plain, submission.StageRcpt, "<>", false, 501, "5.1.3", ""},
		{"recipient syntax", plain, submission.StageRcpt, "<bob example.com>", false, 501, "5.1.3", ""},
		{"unqualified recipient", plain, submission.StageRcpt, "<bob@sales>", false, 554, "5.1.2", ""},
		{"non-ASCII recipient without SMTPUTF8", plain, submission.StageRcpt, "<用户@例子.example>", false, 553, "5.6.7", ""},
		{"address literal", plain, submission.StageRcpt, "<bob@[192.0.2.1]>", false, 0, "", "<bob@[192.0.2.1]>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.f.agent.CheckAddress(tc.stage, tc.path, tc.smtputf8)
			wantReply(t, "CheckAddress", err, tc.code, tc.enh)
			if tc.code == 0 && got.String() != tc.want {
				t.Errorf("CheckAddress(%q) = %s, want %s", tc.path, got, tc.want)
			}
			// The same reply through a Session (authenticated, so only the
			// address decides; the sender is one alice may use).
			s := tc.f.session()
			opts := &policy.MailOptions{SMTPUTF8: tc.smtputf8}
			if tc.stage == submission.StageMail {
				// alice may use only her own address: the other senders
				// would be refused by enforce-sender first.
				if tc.code != 0 && strings.Contains(tc.path, "alice") || tc.path == "<>" || tc.path == "<alice@example.org>" {
					wantReply(t, "Session.Mail", s.Mail(t.Context(), tc.path, opts), tc.code, tc.enh)
				}
				return
			}
			if err := s.Mail(t.Context(), "<alice@example.org>", opts); err != nil {
				t.Fatal(err)
			}
			wantReply(t, "Session.Rcpt", s.Rcpt(t.Context(), tc.path, nil), tc.code, tc.enh)
		})
	}
	if _, err := plain.agent.CheckAddress(submission.StageData, "<a@example.org>", false); err == nil || errors.As(err, new(*policy.Reply)) {
		t.Errorf("CheckAddress at DATA = %v, want an error that is not a reply", err)
	}
}

// TestCheck: one whole submission checked without side effects: the
// verdict with its stage, the relayed message and the header changes; no
// trace record, no log record.
func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	alice := f.session().Conn()
	minimal := []byte(crlf("From: Alice <alice@example.org>\nTo: bob@example.com\nSubject: hi\n\nHello\n"))
	cases := []struct {
		name    string
		sub     submission.Submission
		stage   submission.Stage
		code    int
		enh     string
		added   []string // names of the added fields, in order
		removed []string
	}{
		{"accepted: Date and Message-ID added", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"}, Message: minimal},
			0, 0, "", []string{"Received", "Message-ID", "Date"}, nil},
		{"complete message: Received only", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"}, Message: []byte(crlf(message))},
			0, 0, "", []string{"Received"}, nil},
		{"invalid Date replaced", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"},
			Message: []byte(crlf("From: alice@example.org\nDate: yesterday\nMessage-ID: <x@example.org>\n\nx\n"))},
			0, 0, "", []string{"Received", "Date"}, []string{"Date"}},
		{"not authenticated", submission.Submission{Conn: conn(), From: "<alice@example.org>", To: []string{"<bob@example.com>"}, Message: minimal},
			submission.StageMail, 530, "5.7.0", nil, nil},
		{"unqualified recipient", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>", "<carol@sales>"}, Message: minimal},
			submission.StageRcpt, 554, "5.1.2", nil, nil},
		{"From not owned", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"},
			Message: bytes.Replace(minimal, []byte("alice@"), []byte("ceo@"), 1)},
			submission.StageData, 550, "5.7.1", nil, nil},
		{"bare LF in the body", submission.Submission{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"},
			Message: append(append([]byte{}, minimal...), "a\nb\r\n"...)},
			submission.StageData, 554, "5.6.0", nil, nil},
		{"no recipient", submission.Submission{Conn: alice, From: "<alice@example.org>", Message: minimal},
			submission.StageData, 503, "5.5.1", nil, nil},
	}
	f.logs.Reset() // the records of the sessions above
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				checkOne(t, f, tc.sub, tc.stage, tc.code, tc.enh, tc.added, tc.removed)
			})
		}
	})
	if n := len(f.trace.all()); n != 0 {
		t.Errorf("Check wrote %d trace records", n)
	}
	if f.logs.Len() != 0 {
		t.Errorf("Check logged:\n%s", f.logs)
	}
}

// checkOne runs one case of TestCheck: the stage and reply of a refusal,
// or the body unchanged, the names of the added and removed fields, and
// the envelope of an accepted submission.
func checkOne(t *testing.T, f *fixture, sub submission.Submission, stage submission.Stage, code int, enh string, added, removed []string) {
	t.Helper()
	rep := f.agent.Check(t.Context(), sub)
	if rep.Stage != stage {
		t.Errorf("Stage = %v, want %v", rep.Stage, stage)
	}
	if code != 0 {
		wantReply(t, "Check", rep.Reply, code, enh)
		if rep.Message != nil {
			t.Errorf("a refused submission has a message")
		}
		return
	}
	if rep.Reply != nil {
		t.Fatalf("Check refused: %v", rep.Reply)
	}
	if !bytes.HasSuffix(rep.Message, sub.Message[bytes.Index(sub.Message, []byte("\r\n\r\n")):]) {
		t.Errorf("the body did not pass unchanged:\n%s", rep.Message)
	}
	names := func(fs []header.Field) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name())
		}
		return strings.Join(out, ",")
	}
	if got := names(rep.Added); got != strings.Join(added, ",") {
		t.Errorf("Added = %v, want %v", got, added)
	}
	if got := names(rep.Removed); got != strings.Join(removed, ",") {
		t.Errorf("Removed = %v, want %v", got, removed)
	}
	if rep.Transaction == nil || len(rep.Transaction.Recipients) != len(sub.To) {
		t.Errorf("Transaction = %+v", rep.Transaction)
	}
}

// TestCheckObservesNothing: Check is not a decision the agent took for a
// client, so a Config.Observer (the metrics of a server that also answers
// "would you accept this?") is told nothing of it, accepted or refused.
func TestCheckObservesNothing(t *testing.T) {
	t.Parallel()
	obs := &eventLog{}
	f := newFixture(t, func(c *submission.Config) { c.Observer = obs })
	alice := f.session().Conn()
	for _, sub := range []submission.Submission{
		{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@example.com>"}, Message: []byte(crlf(message))},
		{Conn: alice, From: "<alice@example.org>", To: []string{"<bob@sales>"}, Message: []byte(crlf(message))},
		{Conn: conn(), From: "<alice@example.org>", To: []string{"<bob@example.com>"}, Message: []byte(crlf(message))},
	} {
		f.agent.Check(t.Context(), sub)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.events) != 0 {
		t.Errorf("Check told the Observer %+v, want nothing", obs.events)
	}
}

// TestCheckChargesNoLimit: Check counts nothing against Config.Limits, so
// checking a message cannot use up a user's sending limits: with a limit
// of one message and one recipient, two checks of the same submission are
// both accepted, and the store holds no count.
func TestCheckChargesNoLimit(t *testing.T) {
	t.Parallel()
	store := &submission.MemoryLimitStore{}
	one := submission.Limit{Max: 1, Per: time.Hour}
	f := newFixture(t, func(c *submission.Config) {
		c.Limits = submission.Limits{Messages: one, Recipients: one, Store: store}
	})
	sub := submission.Submission{Conn: f.session().Conn(), From: "<alice@example.org>",
		To: []string{"<bob@example.com>"}, Message: []byte(crlf(message))}
	for i := range 2 {
		if rep := f.agent.Check(t.Context(), sub); rep.Reply != nil {
			t.Fatalf("check %d: %v", i+1, rep.Reply)
		}
	}
	for _, key := range []string{"msg:user:alice", "rcpt:user:alice"} {
		r, err := store.Add(t.Context(), key, 0, one.Max, one.Per)
		if err != nil || r.Count != 0 {
			t.Errorf("%s = %d, %v after two checks, want 0", key, r.Count, err)
		}
	}
}

func TestCheckExpanded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *submission.Config) { c.Expand = mustDomain(t, "example.org") })
	rep := f.agent.Check(t.Context(), submission.Submission{Conn: f.session().Conn(), From: "<alice@example.org>",
		To: []string{"<bob@sales>"}, Message: []byte(crlf(message))})
	if rep.Reply != nil {
		t.Fatal(rep.Reply)
	}
	want, _ := envelope.ParseForwardPath("<bob@sales.example.org>")
	if got := rep.Transaction.Recipients[0].Path; got != want {
		t.Errorf("recipient = %v, want %v", got, want)
	}
}
