package submission_test

import (
	"io"
	"strings"
	"testing"
)

// TestDataResent: a message the user re-sends (RFC 5322, Section 3.6.6),
// as mutt's bounce and Thunderbird's Redirect send it, is judged by its
// topmost resent block, not by the original author's From, through a whole
// Session: accepted when the block's Resent-From is the user's, 550 5.7.1
// when it names someone else. The original From and Date stay as sent, and
// the MSA completes the resent block (Resent-Message-ID, RFC 6409, Section
// 8.3), not the original fields.
func TestDataResent(t *testing.T) {
	t.Parallel()
	const original = "Received: from mx.example.net by mail.example.org; Mon, 23 Nov 2026 18:00:00 +0000\n" +
		"From: Carol <carol@example.com>\n" +
		"To: alice@example.org\n" +
		"Subject: minutes\n" +
		"Date: Mon, 23 Nov 2026 17:59:00 +0000\n" +
		"Message-ID: <minutes@example.com>\n" +
		"\n" +
		"The minutes.\n"
	mutt := "Resent-From: Alice <alice@example.org>\n" +
		"Resent-Date: Mon, 23 Nov 2026 19:00:00 +0000\n" +
		"Resent-To: bob@example.com\n" + original
	cases := []struct {
		name string
		msg  string
		code int
		enh  string
	}{
		{"mutt bounce", mutt, 0, ""},
		{"Thunderbird redirect with Resent-Sender", "Resent-Sender: alice@example.org\nResent-From: Team <team@example.com>\nResent-To: bob@example.com\n" + original, 0, ""},
		{"Resent-From another", strings.Replace(mutt, "Alice <alice@example.org>", "CEO <ceo@example.org>", 1), 550, "5.7.1"},
		{"Resent-Sender another", "Resent-Sender: ceo@example.org\nResent-From: alice@example.org\n" + original, 550, "5.7.1"},
		{"no resent block: the original From is judged", original, 550, "5.7.1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, nil)
			r, err := submit(t, f.session(), nil, crlf(tc.msg))
			wantReply(t, "Data", err, tc.code, tc.enh)
			if tc.code != 0 {
				return
			}
			out, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := string(out)
			if !strings.HasSuffix(got, crlf(original)) {
				t.Errorf("the original message changed:\n%s", got)
			}
			if !strings.Contains(got, "\r\nResent-Message-ID: <") && !strings.HasPrefix(got, "Resent-Message-ID: <") {
				t.Errorf("no Resent-Message-ID added:\n%s", got)
			}
			if strings.Count(got, "Message-ID:") != 2 || strings.Count(got, "\r\nDate:") != 1 {
				t.Errorf("the original Date or Message-ID was touched:\n%s", got)
			}
		})
	}
}
