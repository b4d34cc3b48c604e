package submission_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

func TestReplyFor(t *testing.T) {
	t.Parallel()
	custom := &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Not for you", Policy: "custom"}
	envSyntax := &envelope.ParseError{Input: "a@@b", Offset: 2, Kind: envelope.ErrSyntax, Msg: "unexpected @"}
	envNotASCII := &envelope.ParseError{Input: "ü@b", Kind: envelope.ErrNotASCII, Msg: "non-ASCII"}
	hdrLF := &header.SyntaxError{Line: 2, Kind: header.ErrBareLF, Msg: "bare LF"}
	cases := []struct {
		name     string
		stage    submission.Stage
		err      error
		code     int
		enh      string
		internal bool
		same     bool // the very same *Reply comes back
	}{
		{"valid reply passes through", submission.StageRcpt, custom, 550, "5.7.1", false, true},
		{"wrapped reply passes through", submission.StageRcpt, fmt.Errorf("policy x: %w", custom), 550, "5.7.1", false, true},
		{"code 250 is not an error reply", submission.StageMail, &policy.Reply{Code: 250, Text: "ok"}, 451, "4.3.0", true, false},
		{"code 600", submission.StageMail, &policy.Reply{Code: 600, Text: "x"}, 451, "4.3.0", true, false},
		{"bad enhanced code", submission.StageMail, &policy.Reply{Code: 550, Enhanced: "5.9.1", Text: "x"}, 451, "4.3.0", true, false},
		{"subject.detail only (the old form)", submission.StageMail, &policy.Reply{Code: 550, Enhanced: "7.1", Text: "x"}, 451, "4.3.0", true, false},
		{"class disagrees with the code", submission.StageMail, &policy.Reply{Code: 550, Enhanced: "4.7.1", Text: "x"}, 451, "4.3.0", true, false},
		{"CRLF in text", submission.StageMail, &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no\r\n250 ok"}, 451, "4.3.0", true, false},
		{"empty text", submission.StageMail, &policy.Reply{Code: 550, Enhanced: "5.7.1"}, 451, "4.3.0", true, false},
		{"invalid reply at AUTH", submission.StageAuth, &policy.Reply{Code: 200, Text: "x"}, 454, "4.7.0", true, false},
		{"context canceled", submission.StageMail, context.Canceled, 451, "4.3.0", true, false},
		{"deadline at DATA", submission.StageData, fmt.Errorf("x: %w", context.DeadlineExceeded), 451, "4.3.0", true, false},
		{"context canceled at AUTH", submission.StageAuth, context.Canceled, 454, "4.7.0", true, false},
		{"auth invalid credentials", submission.StageAuth, auth.ErrInvalidCredentials, 535, "5.7.8", false, false},
		{"auth too weak", submission.StageAuth, auth.ErrMechanismTooWeak, 534, "5.7.9", false, false},
		{"auth encryption required", submission.StageAuth, auth.ErrEncryptionRequired, 538, "5.7.11", false, false},
		{"auth temporary", submission.StageAuth, fmt.Errorf("%w: ldap down", auth.ErrTemporary), 454, "4.7.0", true, false},
		{"auth malformed", submission.StageAuth, auth.ErrMalformed, 501, "5.5.2", false, false},
		{"auth line too long", submission.StageAuth, auth.ErrResponseTooLong, 500, "5.5.6", false, false},
		{"auth unsupported", submission.StageAuth, auth.ErrUnsupported, 504, "5.5.4", false, false},
		{"envelope syntax at MAIL", submission.StageMail, envSyntax, 501, "5.1.7", false, false},
		{"envelope syntax at RCPT", submission.StageRcpt, envSyntax, 501, "5.1.3", false, false},
		{"envelope too long at RCPT", submission.StageRcpt, envelope.ErrTooLong, 501, "5.1.3", false, false},
		{"envelope IDNA at MAIL", submission.StageMail, envelope.ErrIDNA, 501, "5.1.7", false, false},
		{"envelope non-ASCII at MAIL", submission.StageMail, envNotASCII, 550, "5.6.7", false, false},
		{"envelope non-ASCII at RCPT", submission.StageRcpt, envNotASCII, 553, "5.6.7", false, false},
		{"envelope error at DATA", submission.StageData, envSyntax, 554, "5.6.0", false, false},
		{"header too big", submission.StageData, &header.SyntaxError{Kind: header.ErrTooBig, Msg: "big"}, 552, "5.3.4", false, false},
		{"header bare LF", submission.StageData, hdrLF, 554, "5.6.0", false, false},
		{"header bare CR", submission.StageData, header.ErrBareCR, 554, "5.6.0", false, false},
		{"header long line", submission.StageData, header.ErrLineTooLong, 554, "5.6.0", false, false},
		{"header syntax", submission.StageData, header.ErrSyntax, 554, "5.6.0", false, false},
		{"header NUL", submission.StageData, header.ErrNUL, 554, "5.6.0", false, false},
		{"I/O error", submission.StageData, io.ErrUnexpectedEOF, 451, "4.3.0", true, false},
		{"plain error at MAIL", submission.StageMail, errors.New("db: connection refused"), 451, "4.3.0", true, false},
		{"plain error at AUTH", submission.StageAuth, errors.New("db: connection refused"), 454, "4.7.0", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, internal := submission.ReplyFor(tc.stage, tc.err)
			wantReply(t, "ReplyFor", r, tc.code, tc.enh)
			if internal != tc.internal {
				t.Errorf("ReplyFor(%v, %v) internal = %v, want %v", tc.stage, tc.err, internal, tc.internal)
			}
			if tc.same && r != custom {
				t.Errorf("ReplyFor returned %p, want the policy's reply %p", r, custom)
			}
			if !tc.same && r.Text == tc.err.Error() {
				t.Errorf("reply text leaks the cause: %q", r.Text)
			}
			if !errors.Is(r, tc.err) && !tc.same {
				t.Errorf("reply %v does not wrap its cause %v", r, tc.err)
			}
		})
	}
	if r, internal := submission.ReplyFor(submission.StageMail, nil); r != nil || internal {
		t.Errorf("ReplyFor(nil) = %v, %v", r, internal)
	}
}

// TestDataClientReadErrors: an I/O error of the client's reader is 451
// 4.3.0, logged as client-caused (Info, rate limited), not at Error.
func TestDataClientReadErrors(t *testing.T) {
	t.Parallel()
	for _, body := range []bool{false, true} {
		f := newFixture(t, nil)
		s := f.session()
		ctx := t.Context()
		if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
			t.Fatal(err)
		}
		in := "From: alice@example.org\r\nSubj"
		if body {
			in = crlf(message)
		}
		r, err := s.Data(ctx, io.MultiReader(strings.NewReader(in), iotest.ErrReader(io.ErrUnexpectedEOF)))
		if err == nil {
			_, err = io.ReadAll(r)
		}
		wantReply(t, fmt.Sprintf("body %v", body), err, 451, "4.3.0")
		if logs := f.logs.String(); strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "level=INFO") {
			t.Errorf("client I/O error logged wrongly:\n%s", logs)
		}
	}
}
