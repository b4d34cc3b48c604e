package submission_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// fakeSigner records what it is asked to sign and signs with the SHA-256 of
// the body it was given, as an "X-Body-Hash" field.
type fakeSigner struct {
	signErr  error  // returned by Sign
	writeErr error  // returned by Write
	sumErr   error  // returned by Sum
	fields   string // when set, Sum returns it instead of X-Body-Hash
	none     bool   // Sign returns nil, nil

	mu      sync.Mutex
	authors [][]envelope.Mailbox
	headers [][]byte
	ctxs    []context.Context
}

var _ submission.Signer = (*fakeSigner)(nil)

func (s *fakeSigner) Sign(ctx context.Context, req submission.SignRequest) (submission.BodySigner, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authors = append(s.authors, slices.Clone(req.Authors))
	s.headers = append(s.headers, slices.Clone(req.Header.Bytes()))
	s.ctxs = append(s.ctxs, ctx)
	if s.signErr != nil {
		return nil, s.signErr
	}
	if s.none {
		return nil, nil
	}
	return &fakeBody{s: s, h: sha256.New()}, nil
}

func (s *fakeSigner) last() ([]envelope.Mailbox, []byte, context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.ctxs) - 1
	if n < 0 {
		return nil, nil, nil
	}
	return s.authors[n], s.headers[n], s.ctxs[n]
}

type fakeBody struct {
	s *fakeSigner
	h hash.Hash
}

var _ submission.BodySigner = (*fakeBody)(nil)

func (b *fakeBody) Write(p []byte) (int, error) {
	if b.s.writeErr != nil {
		return 0, b.s.writeErr
	}
	return b.h.Write(p)
}

func (b *fakeBody) Sum() ([]byte, error) {
	if b.s.sumErr != nil {
		return nil, b.s.sumErr
	}
	if b.s.fields != "" {
		return []byte(b.s.fields), nil
	}
	return bodyHashField(b.h.Sum(nil)), nil
}

func bodyHashField(sum []byte) []byte {
	return []byte("X-Body-Hash: " + hex.EncodeToString(sum) + "\r\n")
}

// signFixture is a fixture whose agent signs with sg; mod may change more.
func signFixture(t *testing.T, sg submission.Signer, mod func(*submission.Config)) *fixture {
	t.Helper()
	return newFixture(t, func(c *submission.Config) {
		c.Signer = sg
		if mod != nil {
			mod(c)
		}
	})
}

// TestSignFinalMessage: the signer gets the header exactly as queued, after
// every rewrite (Date, Message-ID and Sender added, Bcc removed) and with
// Received on top, then every body octet as queued; the reader hands its
// fields over at io.EOF, and not before.
func TestSignFinalMessage(t *testing.T) {
	t.Parallel()
	sg := &fakeSigner{}
	f := signFixture(t, sg, func(c *submission.Config) {
		c.AddSender = true // and Bcc is removed by default
	})
	in := crlf("From: Alice <alice@example.net>\nTo: bob@example.com\nBcc: eve@example.com\nSubject: s\n\nline 1\n.line 2\n\n")
	r, err := submit(t, f.session(), nil, in)
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	sr, ok := r.(submission.SignedReader)
	if !ok {
		t.Fatalf("Data returned %T, not a SignedReader", r)
	}
	var out bytes.Buffer
	if _, err := io.CopyN(&out, r, 10); err != nil {
		t.Fatal(err)
	}
	if sig := sr.Signature(); sig != nil {
		t.Errorf("Signature before io.EOF = %q, want nil", sig)
	}
	if _, err := io.Copy(&out, r); err != nil {
		t.Fatalf("reading: %v", err)
	}
	authors, hdr, ctx := sg.last()
	msg := out.String()
	i := strings.Index(msg, "\r\n\r\n")
	if string(hdr) != msg[:i+4] {
		t.Errorf("signer saw header\n%s\nqueued header\n%s", hdr, msg[:i+4])
	}
	for _, want := range []string{"Received: ", "\r\nDate: ", "\r\nMessage-ID: ", "\r\nSender: alice@example.org\r\n"} {
		if !strings.Contains(string(hdr), want) {
			t.Errorf("signed header lacks %q:\n%s", want, hdr)
		}
	}
	if !strings.HasPrefix(string(hdr), "Received: ") || strings.Contains(string(hdr), "Bcc:") {
		t.Errorf("signed header is not the final one:\n%s", hdr)
	}
	sum := sha256.Sum256([]byte(bodyOf(in)))
	if got, want := string(sr.Signature()), string(bodyHashField(sum[:])); got != want {
		t.Errorf("Signature = %q, want %q (the hash of the body as queued)", got, want)
	}
	if len(authors) != 1 || authors[0].String() != "alice@example.net" {
		t.Errorf("Authors = %v, want [alice@example.net]", authors)
	}
	if ctx.Err() == nil {
		t.Error("the signer's context is still live after io.EOF")
	}
}

// TestSignAuthors: which author mailboxes the signer may sign for.
func TestSignAuthors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mod     func(*submission.Config)
		session func(*fixture) *submission.Session
		from    string // MAIL FROM
		rcpt    string
		msg     string
		want    string // authors joined by ","
	}{
		{"own From", nil, (*fixture).session, "<alice@example.org>", "",
			"From: alice@example.org\nTo: b@example.com\n\nx\n", "alice@example.org"},
		{"allowed domain", nil, (*fixture).session, "<alice@example.org>", "",
			"From: Al <al@example.net>\nTo: b@example.com\n\nx\n", "al@example.net"},
		{"resent: From then topmost Resent-From", nil, (*fixture).session, "<alice@example.org>", "",
			"Resent-From: alice@example.org\nResent-Date: Mon, 23 Nov 2026 19:00:00 +0000\nResent-To: c@example.com\n" +
				"Resent-From: old@example.net\nResent-Date: Mon, 23 Nov 2026 18:00:00 +0000\n" +
				"From: x@example.net\nTo: b@example.com\nDate: Mon, 23 Nov 2026 17:00:00 +0000\n\nx\n",
			"x@example.net,alice@example.org"},
		{"DisableEnforceSender judges each author", func(c *submission.Config) { c.DisableEnforceSender = true }, (*fixture).session, "<alice@example.org>", "",
			"From: mallory@example.com, alice@example.org\nSender: alice@example.org\nTo: b@example.com\n\nx\n", "alice@example.org"},
		{"DisableEnforceSender, nobody", func(c *submission.Config) { c.DisableEnforceSender = true }, (*fixture).session, "<alice@example.org>", "",
			"From: mallory@example.com\nTo: b@example.com\n\nx\n", ""},
		{"trusted network, any author", nil, (*fixture).trusted, "<app@example.com>", "",
			"From: app@example.com\nTo: b@example.com\n\nx\n", "app@example.com"},
		{"postmaster without authentication, nobody", func(c *submission.Config) { c.AllowPostmaster = true }, (*fixture).anonymous, "<x@example.com>", "<postmaster@msa.example.org>",
			"From: ceo@example.org\nTo: postmaster@msa.example.org\n\nx\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sg := &fakeSigner{}
			f := signFixture(t, sg, tc.mod)
			s := tc.session(f)
			ctx := t.Context()
			if err := s.Mail(ctx, tc.from, nil); err != nil {
				t.Fatalf("MAIL: %v", err)
			}
			rcpt := tc.rcpt
			if rcpt == "" {
				rcpt = "<bob@example.com>"
			}
			if err := s.Rcpt(ctx, rcpt, nil); err != nil {
				t.Fatalf("RCPT: %v", err)
			}
			r, err := s.Data(ctx, strings.NewReader(crlf(tc.msg)))
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Fatalf("reading: %v", err)
			}
			authors, _, _ := sg.last()
			var got []string
			for _, a := range authors {
				got = append(got, a.String())
			}
			if strings.Join(got, ",") != tc.want {
				t.Errorf("Authors = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSignFailures: a failing signer is our outage, 451 4.3.0 logged at
// Error with its cause, whatever it returned (even a 5xx reply); the
// message is not traced as accepted.
func TestSignFailures(t *testing.T) {
	t.Parallel()
	boom := errors.New("hsm unreachable")
	cases := []struct {
		name   string
		sg     *fakeSigner
		atData bool // refused by Data rather than by the reader
	}{
		{"Sign fails", &fakeSigner{signErr: boom}, true},
		{"Sign returns a 5xx reply", &fakeSigner{signErr: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no"}}, true},
		{"Write fails", &fakeSigner{writeErr: boom}, false},
		{"Write returns a 5xx reply", &fakeSigner{writeErr: &policy.Reply{Code: 554, Enhanced: "5.6.0", Text: "no"}}, false},
		{"Sum fails", &fakeSigner{sumErr: boom}, false},
		{"fields without CRLF", &fakeSigner{fields: "X-Sig: a"}, false},
		{"fields with an empty line", &fakeSigner{fields: "X-Sig: a\r\n\r\nX: b\r\n"}, false},
		{"fields starting with a continuation", &fakeSigner{fields: " a\r\n"}, false},
		{"fields with a bare LF", &fakeSigner{fields: "X-Sig: a\nX: b\r\n"}, false},
		{"fields with a bare CR", &fakeSigner{fields: "X-Sig: a\rX: b\r\n"}, false},
		{"a line without a colon", &fakeSigner{fields: "X-Sig: a\r\nnot a field\r\n"}, false},
		{"a field name with a space", &fakeSigner{fields: "X Sig: a\r\n"}, false},
		{"a field name with a control character", &fakeSigner{fields: "X-\x01Sig: a\r\n"}, false},
		{"an empty field name", &fakeSigner{fields: ": a\r\n"}, false},
		{"a NUL", &fakeSigner{fields: "X-Sig: a\x00b\r\n"}, false},
		{"a line over 998 octets", &fakeSigner{fields: "X-Sig: " + strings.Repeat("a", 1000) + "\r\n"}, false},
		{"more than 16 fields", &fakeSigner{fields: strings.Repeat("X-Sig: a\r\n", 17)}, false},
		{"over 32 KiB", &fakeSigner{fields: "X-Sig: a" + strings.Repeat("\r\n "+strings.Repeat("a", 900), 37) + "\r\n"}, false},
		{"8-bit without SMTPUTF8", &fakeSigner{fields: "X-Sig: i=j\xc3\xb6rg@example.org\r\n"}, false},
		{"an empty line only", &fakeSigner{fields: "\r\n"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := signFixture(t, tc.sg, nil)
			r, err := submit(t, f.session(), nil, crlf(message))
			if !tc.atData {
				if err != nil {
					t.Fatalf("Data: %v", err)
				}
				_, err = io.Copy(io.Discard, r)
				if sig := r.(submission.SignedReader).Signature(); sig != nil {
					t.Errorf("Signature after a failure = %q, want nil", sig)
				}
			}
			wantReply(t, tc.name, err, 451, "4.3.0")
			if logs := f.logs.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "signing failed") {
				t.Errorf("signing failure not logged at Error with its cause:\n%s", logs)
			}
			if n := len(f.trace.all()); n != 0 {
				t.Errorf("%d trace records for a refused message, want 0", n)
			}
			if _, _, ctx := tc.sg.last(); ctx.Err() == nil {
				t.Error("the signer's context is still live after the failure")
			}
		})
	}
}

// TestSignFieldsAccepted: what a signer may return, which the server
// gets from Signature unchanged: several fields, folded lines (a DKIM
// signature's b= is folded, RFC 6376, Section 3.5), 16 fields, 8-bit
// octets in an SMTPUTF8 message (RFC 6532, Section 3).
func TestSignFieldsAccepted(t *testing.T) {
	t.Parallel()
	folded := "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s1;\r\n" +
		"\th=From:To:Subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n" +
		"\tb=dGVzdA==\r\n"
	for _, tc := range []struct {
		name   string
		fields string
		opts   *policy.MailOptions
	}{
		{"a folded field", folded, nil},
		{"two fields", folded + "X-Sig: a\r\n", nil},
		{"16 fields", strings.Repeat("X-Sig: a\r\n", 16), nil},
		{"8-bit with SMTPUTF8", "X-Sig: i=j\xc3\xb6rg@example.org\r\n", &policy.MailOptions{SMTPUTF8: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := signFixture(t, &fakeSigner{fields: tc.fields}, nil)
			r, err := submit(t, f.session(), tc.opts, crlf(message))
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Fatalf("reading: %v", err)
			}
			if sig := r.(submission.SignedReader).Signature(); string(sig) != tc.fields {
				t.Errorf("Signature = %q, want %q", sig, tc.fields)
			}
		})
	}
}

// TestSignNothing: without a Signer, or when it has no key (Sign returns
// nil, nil), the message is accepted unsigned.
func TestSignNothing(t *testing.T) {
	t.Parallel()
	for name, sg := range map[string]submission.Signer{"no signer": nil, "no key": &fakeSigner{none: true}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := signFixture(t, sg, nil)
			r, err := submit(t, f.session(), nil, crlf(message))
			if err != nil {
				t.Fatalf("Data: %v", err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				t.Fatalf("reading: %v", err)
			}
			if sig := r.(submission.SignedReader).Signature(); sig != nil {
				t.Errorf("Signature = %q, want nil", sig)
			}
			if n := len(f.trace.all()); n != 1 {
				t.Errorf("%d trace records, want 1", n)
			}
		})
	}
}

// TestSignContextEnds: the signer's context ends when the body is refused
// by a client fault (and the reply stays the client's), and, for a reader
// the server abandons, when the context given to Data ends.
func TestSignContextEnds(t *testing.T) {
	t.Parallel()
	t.Run("body refused", func(t *testing.T) {
		t.Parallel()
		sg := &fakeSigner{}
		f := signFixture(t, sg, nil)
		r, err := submit(t, f.session(), nil, crlf(message)+"bare\nLF\r\n")
		if err != nil {
			t.Fatalf("Data: %v", err)
		}
		_, err = io.Copy(io.Discard, r)
		wantReply(t, "reading", err, 554, "5.6.0")
		if _, _, ctx := sg.last(); ctx.Err() == nil {
			t.Error("the signer's context is still live after the refusal")
		}
	})
	t.Run("reader abandoned", func(t *testing.T) {
		t.Parallel()
		sg := &fakeSigner{}
		f := signFixture(t, sg, nil)
		s := f.session()
		ctx, cancel := context.WithCancel(t.Context())
		if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Data(ctx, strings.NewReader(crlf(message))); err != nil {
			t.Fatal(err)
		}
		_, _, sctx := sg.last()
		if sctx.Err() != nil {
			t.Fatal("the signer's context ended before the message")
		}
		cancel()
		if sctx.Err() == nil {
			t.Error("the signer's context outlives the context of Data")
		}
	})
}

// TestCheckSigned: Agent.Check reports the message as it would be queued,
// signature first, and lists the signer's field as added.
func TestCheckSigned(t *testing.T) {
	t.Parallel()
	f := signFixture(t, &fakeSigner{}, nil)
	rep := f.agent.Check(t.Context(), submission.Submission{
		Conn:    f.session().Conn(),
		From:    "<alice@example.org>",
		To:      []string{"<bob@example.com>"},
		Message: []byte(crlf(message)),
	})
	if rep.Reply != nil {
		t.Fatalf("Check refused: %v", rep.Reply)
	}
	sum := sha256.Sum256([]byte(bodyOf(crlf(message))))
	if !bytes.HasPrefix(rep.Message, bodyHashField(sum[:])) {
		t.Errorf("Report.Message does not start with the signature:\n%s", rep.Message)
	}
	added := false
	for _, fl := range rep.Added {
		added = added || fl.HasName("X-Body-Hash")
	}
	if !added {
		t.Errorf("Report.Added %v lacks the signature field", rep.Added)
	}
}
