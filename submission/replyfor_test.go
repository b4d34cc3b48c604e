package submission

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

func TestReplyFor(t *testing.T) {
	t.Parallel()
	custom := &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Not for you", Policy: "custom"}
	envSyntax := &envelope.ParseError{Input: "a@@b", Offset: 2, Kind: envelope.ErrSyntax, Msg: "unexpected @"}
	hdrLF := &header.SyntaxError{Line: 2, Kind: header.ErrBareLF, Msg: "bare LF"}
	cases := []struct {
		name     string
		stage    Stage
		err      error
		code     int
		enh      string
		internal bool
		same     bool // the very same *Reply comes back
	}{
		{"valid reply passes through", StageRcpt, custom, 550, "5.7.1", false, true},
		{"wrapped reply passes through", StageRcpt, fmt.Errorf("policy x: %w", custom), 550, "5.7.1", false, true},
		{"code 250 is not an error reply", StageMail, &policy.Reply{Code: 250, Text: "ok"}, 451, "4.3.0", true, false},
		{"code 600", StageMail, &policy.Reply{Code: 600, Text: "x"}, 451, "4.3.0", true, false},
		{"bad enhanced code", StageMail, &policy.Reply{Code: 550, Enhanced: "5.9.1", Text: "x"}, 451, "4.3.0", true, false},
		{"subject.detail only (the old form)", StageMail, &policy.Reply{Code: 550, Enhanced: "7.1", Text: "x"}, 451, "4.3.0", true, false},
		{"class disagrees with the code", StageMail, &policy.Reply{Code: 550, Enhanced: "4.7.1", Text: "x"}, 451, "4.3.0", true, false},
		{"CRLF in text", StageMail, &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no\r\n250 ok"}, 451, "4.3.0", true, false},
		{"empty text", StageMail, &policy.Reply{Code: 550, Enhanced: "5.7.1"}, 451, "4.3.0", true, false},
		{"invalid reply at AUTH", StageAuth, &policy.Reply{Code: 200, Text: "x"}, 454, "4.7.0", true, false},
		{"context canceled", StageMail, context.Canceled, 451, "4.3.0", true, false},
		{"deadline at DATA", StageData, fmt.Errorf("x: %w", context.DeadlineExceeded), 451, "4.3.0", true, false},
		{"context canceled at AUTH", StageAuth, context.Canceled, 454, "4.7.0", true, false},
		{"auth invalid credentials", StageAuth, auth.ErrInvalidCredentials, 535, "5.7.8", false, false},
		{"auth too weak", StageAuth, auth.ErrMechanismTooWeak, 534, "5.7.9", false, false},
		{"auth encryption required", StageAuth, auth.ErrEncryptionRequired, 538, "5.7.11", false, false},
		{"auth temporary", StageAuth, fmt.Errorf("%w: ldap down", auth.ErrTemporary), 454, "4.7.0", true, false},
		{"auth malformed", StageAuth, auth.ErrMalformed, 501, "5.5.2", false, false},
		{"auth line too long", StageAuth, auth.ErrResponseTooLong, 500, "5.5.6", false, false},
		{"auth unsupported", StageAuth, auth.ErrUnsupported, 504, "5.5.4", false, false},
		{"envelope syntax at MAIL", StageMail, envSyntax, 501, "5.1.7", false, false},
		{"envelope syntax at RCPT", StageRcpt, envSyntax, 501, "5.1.3", false, false},
		{"envelope too long at RCPT", StageRcpt, envelope.ErrTooLong, 501, "5.1.3", false, false},
		{"envelope IDNA at MAIL", StageMail, envelope.ErrIDNA, 501, "5.1.7", false, false},
		{"envelope error at DATA", StageData, envSyntax, 554, "5.6.0", false, false},
		{"header too big", StageData, &header.SyntaxError{Kind: header.ErrTooBig, Msg: "big"}, 552, "5.3.4", false, false},
		{"header bare LF", StageData, hdrLF, 554, "5.6.0", false, false},
		{"header bare CR", StageData, header.ErrBareCR, 554, "5.6.0", false, false},
		{"header long line", StageData, header.ErrLineTooLong, 554, "5.6.0", false, false},
		{"header syntax", StageData, header.ErrSyntax, 554, "5.6.0", false, false},
		{"header NUL", StageData, header.ErrNUL, 554, "5.6.0", false, false},
		{"I/O error", StageData, io.ErrUnexpectedEOF, 451, "4.3.0", true, false},
		{"plain error at MAIL", StageMail, errors.New("db: connection refused"), 451, "4.3.0", true, false},
		{"plain error at AUTH", StageAuth, errors.New("db: connection refused"), 454, "4.7.0", true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, internal := ReplyFor(tc.stage, tc.err)
			checkReply(t, "ReplyFor", r, want{tc.code, tc.enh})
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
	if r, internal := ReplyFor(StageMail, nil); r != nil || internal {
		t.Errorf("ReplyFor(nil) = %v, %v", r, internal)
	}
}
