package submission_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestClientLogRateLimit: a client that sends a thousand bad commands gets
// them all answered but writes only ClientLogBurst records, then one
// summary with the count of dropped records when the bucket refills (RFC
// 6409, Section 5.2).
func TestClientLogRateLimit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := testNow
	var buf bytes.Buffer
	f := newFixture(t, func(c *submission.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, nil))
		c.ClientLogRate = 1
		c.ClientLogBurst = 5
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	})
	s := f.session()
	ctx := t.Context()
	for i := range 1000 {
		wantReply(t, "MAIL", s.Mail(ctx, fmt.Sprintf("<mallory%d@example.org>", i), nil), 550, "5.7.1")
	}
	if n := strings.Count(buf.String(), "msg=rejected"); n != 5 {
		t.Fatalf("%d rejection records, want 5 (the burst):\n%s", n, buf.String())
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	wantReply(t, "MAIL", s.Mail(ctx, "<mallory@example.org>", nil), 550, "5.7.1")
	logs := buf.String()
	if !strings.Contains(logs, "suppressed=995") {
		t.Fatalf("no summary of the 995 dropped records:\n%s", logs)
	}
	if n := strings.Count(logs, "msg=rejected"); n != 6 {
		t.Fatalf("%d rejection records after refill, want 6", n)
	}
}

// TestClientLogNoLimit: a negative ClientLogRate or ClientLogBurst means
// no limit, as a negative MaxSize or MaxRecipients does: every record is
// written.
func TestClientLogNoLimit(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rate  float64
		burst int
	}{{-1, 0}, {0, -1}, {1, -1}} {
		var buf bytes.Buffer
		f := newFixture(t, func(cfg *submission.Config) {
			cfg.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf}, nil))
			cfg.ClientLogRate, cfg.ClientLogBurst = c.rate, c.burst
		})
		s := f.session()
		for i := range 100 {
			wantReply(t, "MAIL", s.Mail(t.Context(), fmt.Sprintf("<mallory%d@example.org>", i), nil), 550, "5.7.1")
		}
		if n := strings.Count(buf.String(), "msg=rejected"); n != 100 {
			t.Errorf("rate %v, burst %d: %d rejection records, want all 100", c.rate, c.burst, n)
		}
	}
}

// TestLogSanitisesClientStrings: control characters from the client are
// escaped, so a client cannot forge log lines.
func TestLogSanitisesClientStrings(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	f := newFixture(t, func(c *submission.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf}, nil))
	})
	s := f.session()
	evil := "<x@@y>\nlevel=ERROR msg=forged\x1b[2J"
	wantReply(t, "MAIL", s.Mail(t.Context(), evil, nil), 501, "5.1.7")
	logs := buf.String()
	if strings.Count(logs, "\n") != 1 || strings.Contains(logs, "\x1b") {
		t.Fatalf("client string not sanitised:\n%q", logs)
	}
	if !strings.Contains(logs, `"smtp_code":501`) || !strings.Contains(logs, `"smtp_enhanced":"5.1.7"`) ||
		!strings.Contains(logs, `"stage":"MAIL"`) || !strings.Contains(logs, `"from":"<x@@y>\\nlevel=ERROR`) {
		t.Fatalf("record lacks the fixed keys:\n%s", logs)
	}
}

// TestInternalErrorsLoggedNotSent: an internal error of a policy becomes
// 451 4.3.0; its text is logged at Error and is not in the reply.
func TestInternalErrorsLoggedNotSent(t *testing.T) {
	t.Parallel()
	secret := "dial tcp 10.9.8.7:5432: connection refused"
	failing := policy.Funcs{PolicyName: "db-check", CheckMail: func(context.Context, *policy.Conn, *policy.Transaction) error {
		return errors.New(secret)
	}}
	badReply := policy.Funcs{PolicyName: "bad-reply", CheckRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
		return &policy.Reply{Code: 250, Text: "fake success\r\n250 OK"}
	}}
	for _, p := range []policy.Policy{failing, badReply} {
		f := newFixture(t, func(c *submission.Config) { c.Policies = []policy.Policy{p} })
		s := f.session()
		err := s.Mail(t.Context(), "<alice@example.org>", nil)
		if err == nil {
			err = s.Rcpt(t.Context(), "<bob@example.com>", nil)
		}
		wantReply(t, p.Name(), err, 451, "4.3.0")
		if r := err.(*policy.Reply); strings.Contains(r.Text, "10.9.8.7") || strings.Contains(r.Text, "fake") {
			t.Errorf("%s: cause leaked into reply text %q", p.Name(), r.Text)
		}
		if !strings.Contains(f.logs.String(), "level=ERROR") {
			t.Errorf("%s: not logged at Error:\n%s", p.Name(), f.logs)
		}
	}
}

// TestInternalErrorRepeated: a dependency that is down (here the trace
// sink) fails every message with the same error; it is written at Error
// once, then counted, and written again with the count after the interval,
// while another internal error is written at once. The refusals it causes
// are still answered 451 4.3.0 each.
func TestInternalErrorRepeated(t *testing.T) {
	t.Parallel()
	clk := newManualClock()
	directory := errors.New("directory down")
	f := newFixture(t, func(c *submission.Config) {
		c.Now = clk.now
		c.Policies = []policy.Policy{policy.Funcs{PolicyName: "directory",
			CheckRcpt: func(_ context.Context, _ *policy.Conn, _ *policy.Transaction, r *policy.Recipient) error {
				if r.Path.Mailbox().LocalPart == "dave" {
					return directory
				}
				return nil
			}}}
	})
	f.trace.err = errors.New("trace store down")
	ctx := t.Context()
	s := f.session()
	errorRecords := func() int { return strings.Count(f.logs.String(), "level=ERROR") }
	for i := range 30 {
		wantReply(t, fmt.Sprint("message ", i), send(ctx, s, "<bob@example.com>"), 451, "4.3.0")
	}
	if n := strings.Count(f.logs.String(), "trace store down"); n != 1 || errorRecords() != 1 {
		t.Fatalf("30 messages refused for one trace sink error: %d records name it, %d Error records; want 1, 1:\n%s", n, errorRecords(), f.logs)
	}
	if n := strings.Count(f.logs.String(), `msg="internal error, repeated"`); n != 29 {
		t.Errorf("%d Info records of the repeats, want 29", n)
	}
	// Another error is written at once, though the first still repeats.
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT dave", s.Rcpt(ctx, "<dave@example.com>", nil), 451, "4.3.0")
	s.Reset()
	if !strings.Contains(f.logs.String(), "directory down") || errorRecords() != 2 {
		t.Fatalf("a second, different internal error was not written at Error:\n%s", f.logs)
	}
	clk.advance(10 * time.Second)
	wantReply(t, "message after the interval", send(ctx, s, "<bob@example.com>"), 451, "4.3.0")
	if errorRecords() != 3 || !strings.Contains(f.logs.String(), "suppressed=29") {
		t.Fatalf("after the interval: %d Error records, want 3, the last with suppressed=29:\n%s", errorRecords(), f.logs)
	}
}

// TestAgentConcurrentSessions runs many sessions of one Agent at once
// (run with -race).
func TestAgentConcurrentSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	ids := make(chan string, 64)
	for range 16 {
		wg.Go(func() {
			for range 4 {
				s := f.session()
				ctx := context.Background()
				if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
					t.Error(err)
					return
				}
				if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
					t.Error(err)
					return
				}
				ids <- s.Transaction().ID
				r, err := s.Data(ctx, strings.NewReader(crlf(message)))
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := r.Read(make([]byte, 1<<16)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("submission id %s used twice", id)
		}
		seen[id] = true
	}
}

// TestSitePolicyReplyAsWritten pins the reply trap of issue 9: a site
// policy's &policy.Reply{Code: 550, Enhanced: "5.7.1"} reaches the client and
// the log exactly as written, while the old subject.detail form ("7.1") or a
// class that disagrees with the code is our own programming error: 451 4.3.0
// to the client, logged at Error with the reply that was refused (RFC 3463,
// Section 2).
func TestSitePolicyReplyAsWritten(t *testing.T) {
	t.Parallel()
	cases := []struct {
		enhanced string
		code     int
		enh      string
		level    string
	}{
		{"5.7.1", 550, "5.7.1", "level=INFO"},
		{"", 550, "5.0.0", "level=INFO"},
		{"7.1", 451, "4.3.0", "level=ERROR"},
		{"4.7.1", 451, "4.3.0", "level=ERROR"},
	}
	for _, tc := range cases {
		t.Run(tc.enhanced, func(t *testing.T) {
			t.Parallel()
			embargo := policy.Funcs{PolicyName: "embargo", CheckRcpt: func(context.Context, *policy.Conn, *policy.Transaction, *policy.Recipient) error {
				return &policy.Reply{Code: 550, Enhanced: tc.enhanced, Text: "Recipient domain under embargo"}
			}}
			f := newFixture(t, func(c *submission.Config) { c.Policies = []policy.Policy{embargo} })
			s := f.session()
			if err := s.Mail(t.Context(), "<alice@example.org>", nil); err != nil {
				t.Fatal(err)
			}
			wantReply(t, "RCPT", s.Rcpt(t.Context(), "<bob@example.com>", nil), tc.code, tc.enh)
			logs := f.logs.String()
			wantLog := fmt.Sprintf("smtp_code=%d smtp_enhanced=%s", tc.code, tc.enh)
			if !strings.Contains(logs, tc.level) || !strings.Contains(logs, wantLog) {
				t.Errorf("log lacks %s %s:\n%s", tc.level, wantLog, logs)
			}
			if tc.level == "level=ERROR" && !strings.Contains(logs, "550 "+tc.enhanced+" Recipient domain under embargo") {
				t.Errorf("the refused reply is not in the Error record:\n%s", logs)
			}
		})
	}
}

// TestLogRecordsOneKeyEach: every record a session writes, for rejections
// at each stage and an internal error, names each key once and writes no
// empty policy or submission id (issue 11: "submission_id" appeared twice
// in DATA rejections, and `policy=""` in every rejection no policy made).
func TestLogRecordsOneKeyEach(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	failing := policy.Funcs{PolicyName: "db-check", CheckRcpt: func(_ context.Context, _ *policy.Conn, _ *policy.Transaction, r *policy.Recipient) error {
		if strings.HasPrefix(r.Path.String(), "<db") {
			return errors.New("database down")
		}
		return nil
	}}
	f := newFixture(t, func(c *submission.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.Policies = []policy.Policy{failing}
	})
	ctx := t.Context()
	s := f.session()
	wantReply(t, "DATA", dataErr(s.Data(ctx, strings.NewReader(crlf(message)))), 503, "5.5.1")
	wantReply(t, "MAIL", s.Mail(ctx, "<mallory@example.org>", nil), 550, "5.7.1")
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example>", nil), 554, "5.1.2")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<db@example.com>", nil), 451, "4.3.0")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	wantReply(t, "DATA", dataErr(s.Data(ctx, strings.NewReader("no header\r\n"))), 554, "5.6.0")
	wantReply(t, "MAIL", s.Mail(ctx, "<alice@example.org>", nil), 0, "")
	wantReply(t, "RCPT", s.Rcpt(ctx, "<bob@example.com>", nil), 0, "")
	wantReply(t, "DATA", dataErr(s.Data(ctx, strings.NewReader(crlf(message)+"bare\nLF\r\n"))), 554, "5.6.0")

	records := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(records) < 7 {
		t.Fatalf("%d log records, want at least 7:\n%s", len(records), buf.String())
	}
	for _, rec := range records {
		dec := json.NewDecoder(strings.NewReader(rec))
		if _, err := dec.Token(); err != nil { // {
			t.Fatalf("record %s: %v", rec, err)
		}
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("record %s: %v", rec, err)
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("record %s: %v", rec, err)
			}
			key := k.(string)
			if seen[key] {
				t.Errorf("key %q twice in %s", key, rec)
			}
			seen[key] = true
			if (key == "policy" || key == "submission_id") && string(v) == `""` {
				t.Errorf("empty %s in %s", key, rec)
			}
		}
	}
	if !strings.Contains(buf.String(), `"policy":"enforce-sender"`) || !strings.Contains(buf.String(), `"policy":"db-check"`) {
		t.Errorf("the deciding policies are not logged:\n%s", buf.String())
	}
}

// dataErr is the error of Session.Data, or of reading its message.
func dataErr(r io.Reader, err error) error {
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}
