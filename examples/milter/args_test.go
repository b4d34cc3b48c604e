package milter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
)

func TestMailOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args string
		want policy.MailOptions
	}{
		{"", policy.MailOptions{}},
		{"BODY=8BITMIME SIZE=100", policy.MailOptions{Body: policy.Body8BitMIME, Size: 100}},
		// Python's smtplib adds its own size= before the caller's SIZE=;
		// the last one counts, as in Postfix.
		{"size=128 BODY=8BITMIME SIZE=100", policy.MailOptions{Body: policy.Body8BitMIME, Size: 100}},
		{"body=binarymime smtputf8", policy.MailOptions{Body: policy.BodyBinaryMIME, SMTPUTF8: true}},
		{"BODY=7BIT", policy.MailOptions{Body: policy.Body7Bit}},
		{"AUTH=<>", policy.MailOptions{Auth: "<>"}},
		{"AUTH=alice+40example.org", policy.MailOptions{Auth: "alice@example.org"}},
		{"RET=hdrs ENVID=QQ+2B314", policy.MailOptions{Return: "HDRS", EnvelopeID: "QQ+314"}},
		{"REQUIRETLS", policy.MailOptions{RequireTLS: true}},
		// The MTA validated these; what cannot be read is left out.
		{"SIZE=-1 SIZE=+5 SIZE=1e3 SIZE=99999999999999999999 BODY=9BIT RET=ALL AUTH=a+4 ENVID=+zz", policy.MailOptions{}},
		{"XUNKNOWN=1 SIZE=7", policy.MailOptions{Size: 7}},
	}
	for _, tc := range cases {
		if got := mailOptions(tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("mailOptions(%q) = %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

func TestRcptOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args string
		want policy.RcptOptions
	}{
		{"", policy.RcptOptions{}},
		{"NOTIFY=success,failure ORCPT=rfc822;bob+40example.org", policy.RcptOptions{Notify: []string{"SUCCESS", "FAILURE"}, OriginalRecipient: "rfc822;bob@example.org"}},
		{"notify=NEVER", policy.RcptOptions{Notify: []string{"NEVER"}}},
		{"ORCPT=bob@example.org ORCPT=;x ORCPT=rfc822;+4", policy.RcptOptions{}},
	}
	for _, tc := range cases {
		if got := rcptOptions(tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("rcptOptions(%q) = %+v, want %+v", tc.args, got, tc.want)
		}
	}
}

// TestParamsBounded: at most maxArgs parameters are looked at.
func TestParamsBounded(t *testing.T) {
	t.Parallel()
	args := strings.Repeat("X=1 ", maxArgs) + "SIZE=5"
	if got := mailOptions(args); got.Size != 0 {
		t.Fatalf("parameter %d was read: %+v", maxArgs+1, got)
	}
	if got := mailOptions(strings.Repeat("X=1 ", maxArgs-1) + "SIZE=5"); got.Size != 5 {
		t.Fatalf("parameter %d was not read: %+v", maxArgs, got)
	}
}

func TestDecodeXtext(t *testing.T) {
	t.Parallel()
	good := map[string]string{"": "", "abc": "abc", "a+2Bb": "a+b", "+3D+3d": "==", "<>": "<>"}
	for in, want := range good {
		if got, ok := decodeXtext(in); !ok || got != want {
			t.Errorf("decodeXtext(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"+", "+4", "+g0", "a b", "é", "+-1", "+ 1"} {
		if got, ok := decodeXtext(in); ok {
			t.Errorf("decodeXtext(%q) = %q, true; want false", in, got)
		}
	}
}
