package gosmtp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/policy"
)

func TestToSMTPError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    error
		code  int
		enh   smtp.EnhancedCode
		text  string // "" = do not check
		known bool
	}{
		{name: "reply passes through", in: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Sender not allowed"},
			code: 550, enh: smtp.EnhancedCode{5, 7, 1}, text: "Sender not allowed", known: true},
		{name: "wrapped reply", in: fmt.Errorf("mail: %w", &policy.Reply{Code: 530, Enhanced: "5.7.0", Text: "Authentication required"}),
			code: 530, enh: smtp.EnhancedCode{5, 7, 0}, known: true},
		{name: "empty enhanced is X.0.0", in: &policy.Reply{Code: 451, Text: "Try later"},
			code: 451, enh: smtp.EnhancedCode{4, 0, 0}, known: true},
		{name: "class disagrees with the code", in: &policy.Reply{Code: 550, Enhanced: "4.7.1", Text: "no"},
			code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
		{name: "code out of range", in: &policy.Reply{Code: 250, Enhanced: "2.0.0", Text: "ok"},
			code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
		{name: "CRLF in text", in: &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "no\r\n250 ok"},
			code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
		{name: "malformed enhanced", in: &policy.Reply{Code: 550, Enhanced: "x.1", Text: "no"},
			code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
		{name: "plain error never reaches the wire", in: errors.New("open /var/spool/secret: permission denied"),
			code: 451, enh: smtp.EnhancedCode{4, 3, 0}},
		{name: "go-smtp size limit", in: fmt.Errorf("read: %w", smtp.ErrDataTooLarge),
			code: 552, enh: smtp.EnhancedCode{5, 3, 4}, known: true},
		{name: "go-smtp size limit inside msakit's 451", in: &policy.Reply{Code: 451, Enhanced: "4.3.0", Text: "Local error in processing", Err: smtp.ErrDataTooLarge},
			code: 552, enh: smtp.EnhancedCode{5, 3, 4}, known: true},
		{name: "go-smtp error", in: &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "bye"},
			code: 421, enh: smtp.EnhancedCode{4, 3, 2}, known: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, known := toSMTPError(tc.in)
			if got.Code != tc.code || got.EnhancedCode != tc.enh || known != tc.known {
				t.Errorf("toSMTPError(%v) = %d %v (known %v), want %d %v (known %v)", tc.in, got.Code, got.EnhancedCode, known, tc.code, tc.enh, tc.known)
			}
			if strings.Contains(got.Message, "secret") {
				t.Errorf("toSMTPError(%v) text %q leaks the internal error", tc.in, got.Message)
			}
			if tc.text != "" && got.Message != tc.text {
				t.Errorf("toSMTPError(%v) text %q, want %q", tc.in, got.Message, tc.text)
			}
			if e := ToSMTPError(tc.in); *e != *got {
				t.Errorf("ToSMTPError(%v) = %+v, toSMTPError = %+v", tc.in, e, got)
			}
		})
	}
}
