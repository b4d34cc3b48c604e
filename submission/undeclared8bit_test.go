package submission_test

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestDataUndeclared8Bit: 8-bit message data without BODY=8BITMIME is
// accepted by default and the transaction treated as 8BITMIME from then on
// (RFC 6409, Section 8; RFC 6152, Section 3): the Transaction, the trace
// record and one Info record say so. Config.DisableUndeclared8Bit refuses
// it (554 5.6.1); 8-bit header octets need SMTPUTF8 either way (RFC 6532).
func TestDataUndeclared8Bit(t *testing.T) {
	t.Parallel()
	const hdr = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hi\r\n\r\n"
	const utf8Hdr = "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: Grüße\r\n\r\n"
	body8 := "Gr\xc3\xbc\xc3\x9fe\r\n" + strings.Repeat("line\r\n", 2000) + "caf\xc3\xa9\r\n"
	const body7 = "Hello\r\n"
	none := &policy.MailOptions{}
	cases := []struct {
		name     string
		strict   bool
		opts     *policy.MailOptions
		msg      string
		code     int
		enh      string
		dataErr  bool            // the reply comes from Data itself, not the reader
		marked   bool            // Transaction.Undeclared8Bit
		bodyType policy.BodyType // Transaction.BodyType and TraceRecord.Body
		logged   int             // Info records about undeclared 8-bit data
	}{
		{name: "8-bit body without BODY accepted and marked", opts: none, msg: hdr + body8, marked: true, bodyType: policy.Body8BitMIME, logged: 1},
		{name: "7-bit body without BODY not marked", opts: none, msg: hdr + body7},
		{name: "8-bit body with BODY=7BIT accepted and marked", opts: &policy.MailOptions{Body: policy.Body7Bit}, msg: hdr + body8, marked: true, bodyType: policy.Body8BitMIME, logged: 1},
		{name: "8-bit body with BODY=8BITMIME: declared", opts: &policy.MailOptions{Body: policy.Body8BitMIME}, msg: hdr + body8, bodyType: policy.Body8BitMIME},
		{name: "8-bit body with SMTPUTF8 alone marked", opts: &policy.MailOptions{SMTPUTF8: true}, msg: hdr + body8, marked: true, bodyType: policy.Body8BitMIME, logged: 1},
		{name: "strict: 8-bit body without BODY refused", strict: true, opts: none, msg: hdr + body8, code: 554, enh: "5.6.1"},
		{name: "strict: SMTPUTF8 alone still allows 8-bit", strict: true, opts: &policy.MailOptions{SMTPUTF8: true}, msg: hdr + body8, marked: true, bodyType: policy.Body8BitMIME, logged: 1},
		{name: "8-bit header without SMTPUTF8 refused", opts: none, msg: utf8Hdr + body7, code: 554, enh: "5.6.1", dataErr: true},
		{name: "8-bit header with BODY=8BITMIME but no SMTPUTF8 refused", opts: &policy.MailOptions{Body: policy.Body8BitMIME}, msg: utf8Hdr + body7, code: 554, enh: "5.6.1", dataErr: true},
		{name: "8-bit header with SMTPUTF8 alone marked", opts: &policy.MailOptions{SMTPUTF8: true}, msg: utf8Hdr + body8, marked: true, bodyType: policy.Body8BitMIME, logged: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *submission.Config) { c.DisableUndeclared8Bit = tc.strict })
			s := f.session()
			r, err := submit(t, s, tc.opts, tc.msg)
			if tc.dataErr {
				wantReply(t, "Data", err, tc.code, tc.enh)
				return
			}
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			// Small reads: the mark must not depend on where reads end.
			out, err := io.ReadAll(iotest.HalfReader(r))
			wantReply(t, "Read", err, tc.code, tc.enh)
			if tc.code != 0 {
				if n := len(f.trace.all()); n != 0 {
					t.Errorf("%d trace records for a refused message", n)
				}
				return
			}
			_, body, _ := strings.Cut(tc.msg, "\r\n\r\n")
			if !strings.HasSuffix(string(out), "\r\n\r\n"+body) {
				t.Errorf("body not passed byte for byte")
			}
			tx := s.Transaction()
			if tx.Undeclared8Bit != tc.marked || tx.BodyType() != tc.bodyType {
				t.Errorf("Transaction: Undeclared8Bit %v BodyType %q, want %v %q", tx.Undeclared8Bit, tx.BodyType(), tc.marked, tc.bodyType)
			}
			if tx.MailOptions.Body != tc.opts.Body {
				t.Errorf("MailOptions.Body changed to %q: it records what the client sent", tx.MailOptions.Body)
			}
			recs := f.trace.all()
			if len(recs) != 1 || recs[0].Body != tc.bodyType {
				t.Errorf("trace records %+v, want one with Body %q", recs, tc.bodyType)
			}
			if n := strings.Count(f.logs.String(), "accepted 8-bit data without BODY=8BITMIME"); n != tc.logged {
				t.Errorf("%d records about undeclared 8-bit data, want %d:\n%s", n, tc.logged, f.logs)
			}
			if tc.logged > 0 && !strings.Contains(f.logs.String(), "level=INFO msg=\"accepted 8-bit data") {
				t.Errorf("the record is not at Info:\n%s", f.logs)
			}
		})
	}
}

// TestDataUndeclared8BitPerTransaction: the mark belongs to one
// transaction; the next message of the session starts 7-bit again.
func TestDataUndeclared8BitPerTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	s := f.session()
	for i, body := range []string{"caf\xc3\xa9\r\n", "cafe\r\n"} {
		r, err := submit(t, s, nil, crlf(message)+body)
		if err != nil {
			t.Fatalf("Data %d: %v", i, err)
		}
		if _, err := io.ReadAll(r); err != nil {
			t.Fatalf("Read %d: %v", i, err)
		}
		if got, want := s.Transaction().Undeclared8Bit, i == 0; got != want {
			t.Errorf("message %d: Undeclared8Bit %v, want %v", i, got, want)
		}
	}
	recs := f.trace.all()
	if len(recs) != 2 || recs[0].Body != policy.Body8BitMIME || recs[1].Body != "" {
		t.Errorf("trace records %+v, want bodies 8BITMIME then \"\"", recs)
	}
}
