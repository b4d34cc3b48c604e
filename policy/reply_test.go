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
		{"plain", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "No"}},
		{"transient", policy.Reply{Code: 451, Enhanced: "4.7.1", Text: "Later"}},
		{"no enhanced", policy.Reply{Code: 451, Text: "Try later"}},
		{"three-digit detail", policy.Reply{Code: 550, Enhanced: "5.7.100", Text: "x"}},
		{"tab in text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\tb"}},
		{"max length", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: strings.Repeat("a", policy.MaxTextLen)}},
	}
	for _, tc := range valid {
		if err := tc.r.Valid(); err != nil {
			t.Errorf("%s: Valid(%q) = %v, want nil", tc.name, tc.r.Line(), err)
		}
	}
	invalid := []struct {
		name string
		r    policy.Reply
		want string // in the error
	}{
		{"2xx", policy.Reply{Code: 250, Text: "ok"}, "reply code"},
		{"zero code", policy.Reply{Text: "x"}, "reply code"},
		{"600", policy.Reply{Code: 600, Text: "x"}, "reply code"},
		// The trap of issue 9: the old "subject.detail only" form, and a
		// class that disagrees with the code (RFC 3463, Section 2).
		{"subject.detail only", policy.Reply{Code: 550, Enhanced: "7.1", Text: "x"}, "enhanced status code"},
		{"class 4 on a 550", policy.Reply{Code: 550, Enhanced: "4.7.1", Text: "x"}, "enhanced status code"},
		{"class 5 on a 451", policy.Reply{Code: 451, Enhanced: "5.3.0", Text: "x"}, "enhanced status code"},
		{"class 2", policy.Reply{Code: 550, Enhanced: "2.0.0", Text: "x"}, "enhanced status code"},
		{"subject 8", policy.Reply{Code: 550, Enhanced: "5.8.1", Text: "x"}, "enhanced status code"},
		{"two-digit subject", policy.Reply{Code: 550, Enhanced: "5.17.1", Text: "x"}, "enhanced status code"},
		{"no detail", policy.Reply{Code: 550, Enhanced: "5.7.", Text: "x"}, "enhanced status code"},
		{"no subject", policy.Reply{Code: 550, Enhanced: "5..1", Text: "x"}, "enhanced status code"},
		{"leading zero", policy.Reply{Code: 550, Enhanced: "5.7.01", Text: "x"}, "enhanced status code"},
		{"four-digit detail", policy.Reply{Code: 550, Enhanced: "5.7.1000", Text: "x"}, "enhanced status code"},
		{"four parts", policy.Reply{Code: 550, Enhanced: "5.7.1.2", Text: "x"}, "enhanced status code"},
		{"letters", policy.Reply{Code: 550, Enhanced: "5.7.a", Text: "x"}, "enhanced status code"},
		{"spaces", policy.Reply{Code: 550, Enhanced: " 5.7.1", Text: "x"}, "enhanced status code"},
		{"empty text", policy.Reply{Code: 550, Enhanced: "5.7.1"}, "reply text"},
		{"CRLF in text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\r\n250 ok"}, "reply text"},
		{"LF in text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\nb"}, "reply text"},
		{"NUL in text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\x00"}, "reply text"},
		{"invalid utf-8", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\xff"}, "reply text"},
		{"utf-8 text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Adresse refusée"}, "reply text"},
		{"DEL in text", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "a\x7f"}, "reply text"},
		{"too long", policy.Reply{Code: 550, Enhanced: "5.7.1", Text: strings.Repeat("a", policy.MaxTextLen+1)}, "reply text"},
	}
	for _, tc := range invalid {
		if err := tc.r.Valid(); err == nil || !strings.Contains(err.Error(), tc.want) {
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
	r := &policy.Reply{Code: 451, Enhanced: "4.3.0", Text: "Try later", Err: cause, Policy: "p"}
	if got := r.EnhancedCode(); got != "4.3.0" {
		t.Errorf("EnhancedCode() = %q", got)
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
	if got := (&policy.Reply{Code: 550, Text: "x"}).EnhancedCode(); got != "5.0.0" {
		t.Errorf("empty Enhanced gives %q, not X.0.0", got)
	}
	if got := (&policy.Reply{Code: 421, Text: "x"}).Line(); got != "421 4.0.0 x" {
		t.Errorf("Line() with empty Enhanced = %q, want 421 4.0.0 x", got)
	}
	// The natural way to write a reply reaches the client as written.
	natural := &policy.Reply{Code: 550, Enhanced: "5.7.1", Text: "Not for you"}
	if err := natural.Valid(); err != nil || natural.Line() != "550 5.7.1 Not for you" {
		t.Errorf("natural reply: Valid() = %v, Line() = %q", err, natural.Line())
	}
}
