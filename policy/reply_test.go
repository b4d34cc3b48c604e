package policy_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
)

func TestReplyValid(t *testing.T) {
	t.Parallel()
	valid := []struct {
		name string
		r    policy.Reply
	}{
		{"plain", policy.Reply{Code: 550, Enhanced: "7.1", Text: "No"}},
		{"no enhanced", policy.Reply{Code: 451, Text: "Try later"}},
		{"three-digit detail", policy.Reply{Code: 550, Enhanced: "7.100", Text: "x"}},
		{"tab in text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\tb"}},
		{"max length", policy.Reply{Code: 550, Enhanced: "7.1", Text: strings.Repeat("a", policy.MaxTextLen)}},
	}
	for _, tc := range valid {
		if err := tc.r.Valid(); err != nil {
			t.Errorf("%s: Valid(%q) = %v, want nil", tc.name, tc.r.Line(), err)
		}
	}
	invalid := []struct {
		name string
		r    policy.Reply
		want error
	}{
		{"2xx", policy.Reply{Code: 250, Text: "ok"}, policy.ErrReplyCode},
		{"zero code", policy.Reply{Text: "x"}, policy.ErrReplyCode},
		{"600", policy.Reply{Code: 600, Text: "x"}, policy.ErrReplyCode},
		{"class in enhanced", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "x"}, policy.ErrReplyEnhanced},
		{"subject 8", policy.Reply{Code: 550, Enhanced: "8.1", Text: "x"}, policy.ErrReplyEnhanced},
		{"no detail", policy.Reply{Code: 550, Enhanced: "7.", Text: "x"}, policy.ErrReplyEnhanced},
		{"leading zero", policy.Reply{Code: 550, Enhanced: "7.01", Text: "x"}, policy.ErrReplyEnhanced},
		{"four-digit detail", policy.Reply{Code: 550, Enhanced: "7.1000", Text: "x"}, policy.ErrReplyEnhanced},
		{"letters", policy.Reply{Code: 550, Enhanced: "7.a", Text: "x"}, policy.ErrReplyEnhanced},
		{"empty text", policy.Reply{Code: 550, Enhanced: "7.1"}, policy.ErrReplyText},
		{"CRLF in text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\r\n250 ok"}, policy.ErrReplyText},
		{"LF in text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\nb"}, policy.ErrReplyText},
		{"NUL in text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\x00"}, policy.ErrReplyText},
		{"invalid utf-8", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\xff"}, policy.ErrReplyText},
		{"utf-8 text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "Adresse refusée"}, policy.ErrReplyText},
		{"DEL in text", policy.Reply{Code: 550, Enhanced: "7.1", Text: "a\x7f"}, policy.ErrReplyText},
		{"too long", policy.Reply{Code: 550, Enhanced: "7.1", Text: strings.Repeat("a", policy.MaxTextLen+1)}, policy.ErrReplyText},
	}
	for _, tc := range invalid {
		if err := tc.r.Valid(); !errors.Is(err, tc.want) {
			t.Errorf("%s: Valid() = %v, want %v", tc.name, err, tc.want)
		}
	}
	var nilReply *policy.Reply
	if nilReply.Valid() == nil {
		t.Error("(*Reply)(nil).Valid() = nil")
	}
}

func TestReplyMethods(t *testing.T) {
	t.Parallel()
	cause := errors.New("directory down")
	r := &policy.Reply{Code: 451, Enhanced: "3.0", Text: "Try later", Err: cause, Policy: "p"}
	if got := r.EnhancedCode(); got != "4.3.0" {
		t.Errorf("EnhancedCode() = %q", got)
	}
	if !r.Temporary() {
		t.Error("451 not Temporary")
	}
	if got := r.Line(); got != "451 4.3.0 Try later" {
		t.Errorf("Line() = %q", got)
	}
	if !strings.Contains(r.Error(), "directory down") || !strings.Contains(r.Error(), "451 4.3.0") {
		t.Errorf("Error() = %q, want code and cause", r.Error())
	}
	if strings.Contains(r.Line(), "directory") {
		t.Error("Line() leaks the cause")
	}
	if !errors.Is(r, cause) {
		t.Error("errors.Is(reply, cause) = false")
	}
	wrapped := fmt.Errorf("session: %w", r)
	var got *policy.Reply
	if !errors.As(wrapped, &got) || got != r {
		t.Error("errors.As through a wrap failed")
	}
	if (&policy.Reply{Code: 550, Text: "x"}).EnhancedCode() != "5.0.0" {
		t.Error("empty Enhanced is not X.0.0")
	}
	if (&policy.Reply{Code: 550, Text: "x"}).Temporary() {
		t.Error("550 Temporary")
	}

	base := policy.SenderNotAuthorized()
	extra := errors.New("lookup said no")
	w := base.WithErr(extra)
	if !errors.Is(w, policy.ErrSenderNotAuthorized) || !errors.Is(w, extra) {
		t.Error("WithErr lost a cause")
	}
	if errors.Is(base, extra) {
		t.Error("WithErr changed its receiver")
	}
	if wt := base.WithText("Other"); wt.Text != "Other" || base.Text == "Other" {
		t.Error("WithText changed its receiver or did not set Text")
	}
}
