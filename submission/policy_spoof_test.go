package submission

import (
	"testing"

	"github.com/msakit/msakit/policy"
)

// spoofSenders: alice may also use alias@example.org and anything at
// bücher.example (given here in A-label form).
func spoofSenders() *fakeSenders {
	return &fakeSenders{allow: map[string][]string{"alice": {"alias@example.org", "@xn--bcher-kva.example"}}}
}

// TestSpoofing: From/Sender tricks an authenticated user might try to send
// as someone else (RFC 6409, Section 6.3; RFC 5068, Section 3.1). Each is
// refused by enforce-sender alone with 550 5.7.1, and by the whole RFC 6409
// profile with 550 5.7.1, or 554 5.6.0 where the sender does not even parse;
// the legitimate variants pass both.
func TestSpoofing(t *testing.T) {
	t.Parallel()
	refused := []struct{ name, hdr string }{
		{"plain other address", "From: ceo@example.org"},
		{"display name holds own address", `From: "alice@example.org" <ceo@example.org>`},
		{"display name holds own address, angle form", `From: "Alice <alice@example.org>" <ceo@example.org>`},
		{"unquoted address as display name", "From: alice@example.org <ceo@example.org>"},
		{"display name names another address", `From: "ceo@example.org" <alice@example.org>`},
		{"display name with fullwidth at sign", "From: \"ceo\uFF20example.org\" <alice@example.org>"},
		{"display name with another address and words", `From: "CEO (ceo@example.org) via" <alice@example.org>`},
		{"second mailbox", "From: alice@example.org, ceo@example.org\r\nSender: alice@example.org"},
		{"second mailbox first", "From: ceo@example.org, alice@example.org\r\nSender: alice@example.org"},
		{"own From, foreign Sender", "From: alice@example.org\r\nSender: ceo@example.org"},
		{"foreign From, own Sender", "From: ceo@example.org\r\nSender: alice@example.org"},
		{"group syntax hides a member", "From: Team: alice@example.org, ceo@example.org;"},
		{"group with only another", "From: Team: ceo@example.org;"},
		{"empty group", "From: undisclosed:;"},
		{"comment holds own address", "From: ceo@example.org (alice@example.org)"},
		{"encoded-word display name with own address", "From: =?utf-8?q?alice=40example=2Eorg?= <ceo@example.org>"},
		{"encoded-word display name naming another", "From: =?utf-8?q?ceo=40example=2Eorg?= <alice@example.org>"},
		{"base64 encoded-word angle trick", "From: =?utf-8?b?PGFsaWNlQGV4YW1wbGUub3JnPg==?= <ceo@example.org>"},
		{"encoded-word as local part", "From: =?utf-8?q?alice?=@example.org"},
		{"case variant of another user", "From: CEO@EXAMPLE.ORG"},
		{"lookalike domain digit", "From: alice@examp1e.org"},
		{"IDN homograph domain", "From: alice@ex\u0430mple.org"},
		{"own local part, other domain", "From: alice@evil.example"},
		{"quoted local part with at sign", `From: "alice@example.org"@evil.example`},
		{"own domain as subdomain of evil", "From: alice@example.org.evil.example"},
		{"subdomain of own domain", "From: alice@mail.example.org"},
		{"percent hack", "From: alice%example.org@evil.example"},
		{"obsolete route to another", "From: <@example.org:ceo@evil.example>"},
		{"zero-width space in local part", "From: alice\u200b@example.org"},
		{"two From fields", "From: alice@example.org\r\nFrom: ceo@example.org"},
		{"Resent-From another", "Resent-From: ceo@example.org\r\nFrom: alice@example.org"},
		{"Resent-Sender another", "Resent-Sender: ceo@example.org\r\nResent-From: alice@example.org\r\nFrom: alice@example.org"},
		// Resent blocks (RFC 5322, Section 3.6.6): the topmost block decides,
		// with the same rules as From and Sender.
		{"Resent-From another, own original From", "Resent-From: ceo@example.org\r\nResent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nFrom: alice@example.org"},
		{"Resent-From display name names another", "Resent-From: \"ceo@example.org\" <alice@example.org>\r\nFrom: carol@example.net"},
		{"Resent-From group hides a member", "Resent-From: Team: alice@example.org, ceo@example.org;\r\nFrom: carol@example.net"},
		{"second Resent-From in the top block", "Resent-From: alice@example.org\r\nResent-From: ceo@example.org\r\nFrom: carol@example.net"},
		{"own older block, foreign topmost block", "Resent-From: ceo@example.org\r\nResent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nReceived: by mx.example.org; Mon, 23 Nov 2026 18:59:00 +0000\r\nResent-From: alice@example.org\r\nFrom: carol@example.net"},
		{"lone Resent-Date does not hide From", "Resent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nFrom: ceo@example.org"},
		{"foreign topmost Resent-From, own Resent-Sender outside the block", "Resent-From: ceo@example.org\r\nResent-To: x@example.net\r\nFrom: alice@example.org\r\nResent-Sender: alice@example.org"},
		{"unparsable From", "From: <>"},
		{"trailing-dot domain", "From: alice@example.org."},
		{"allowed IDN domain without its diaeresis", "From: bob@bucher.example"},
	}
	legit := []struct{ name, hdr string }{
		{"own address", "From: alice@example.org"},
		{"display name", "From: Alice <alice@example.org>"},
		{"quoted display name", `From: "Alice Example, PhD" <alice@example.org>`},
		{"encoded-word display name", "From: =?utf-8?q?Al=C3=AFce?= <alice@example.org>"},
		{"case variant of own address", "From: ALICE@EXAMPLE.ORG"},
		{"comment", "From: alice@example.org (Alice at home)"},
		{"display name with own address", `From: "Alice (alice@example.org)" <alice@example.org>`},
		{"alias via Senders", "From: Team <alias@example.org>"},
		{"two own mailboxes with Sender", "From: Alice <alice@example.org>, Team <alias@example.org>\r\nSender: alice@example.org"},
		{"IDN domain in U-labels", "From: bob@bücher.example"},
		{"IDN domain in A-labels", "From: bob@xn--bcher-kva.example"},
		{"obsolete route to own", "From: <@relay.example:alice@example.org>"},
		{"own Resent-From", "Resent-From: alice@example.org\r\nFrom: alice@example.org"},
		{"mutt bounce of another's message", "Resent-From: alice@example.org\r\nResent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
			"Resent-To: bob@example.net\r\nResent-Message-ID: <r1@example.org>\r\nFrom: Carol <carol@example.net>\r\nSender: list@example.net"},
		{"Thunderbird redirect", "Resent-From: Alice <alice@example.org>\r\nResent-To: bob@example.net\r\nFrom: ceo@example.org"},
		{"own Resent-Sender for another's Resent-From", "Resent-Sender: alice@example.org\r\nResent-From: boss@example.com\r\nFrom: carol@example.net"},
		{"foreign older block below own", "Resent-From: Team <alias@example.org>\r\nResent-Date: Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
			"Received: by mx.example.org; Mon, 23 Nov 2026 18:59:00 +0000\r\nResent-From: dave@example.net\r\nResent-Date: Mon, 23 Nov 2026 18:00:00 +0000\r\nFrom: carol@example.net"},
		{"Reply-To elsewhere is not a sender field", "From: alice@example.org\r\nReply-To: list@example.net"},
	}
	// The whole profile answers enforce-sender's 550 5.7.1, except where
	// the sender does not even parse: check-header's 554 5.6.0 then.
	syntax := map[string]bool{
		"unquoted address as display name": true, "zero-width space in local part": true,
		"unparsable From": true, "trailing-dot domain": true,
	}
	profile := profileChain(t, Config{Senders: spoofSenders()})
	run := func(t *testing.T, hdr string, refuse bool, profileWant want) {
		t.Helper()
		in := msg(hdr, "To: bob@example.net", "Subject: s")
		es := enforceSender{Senders: spoofSenders()}
		err := es.CheckData(t.Context(), authedConn(t), tx(t, "<alice@example.org>"), readHeader(t, in))
		if refuse {
			checkReply(t, "enforce-sender", err, want{550, "5.7.1"})
		} else {
			checkReply(t, "enforce-sender", err, accept)
		}
		h := readHeader(t, in)
		err = profile.Data(t.Context(), authedConn(t), tx(t, "<alice@example.org>"), h)
		if !refuse {
			checkReply(t, "profile", err, accept)
			return
		}
		checkReply(t, "profile", err, profileWant)
	}
	if len(refused) < 25 {
		t.Fatalf("only %d tricks", len(refused))
	}
	for _, tc := range refused {
		pw := want{550, "5.7.1"}
		if syntax[tc.name] {
			pw = want{554, "5.6.0"}
		}
		t.Run("refused/"+tc.name, func(t *testing.T) { t.Parallel(); run(t, tc.hdr, true, pw) })
	}
	for _, tc := range legit {
		t.Run("accepted/"+tc.name, func(t *testing.T) { t.Parallel(); run(t, tc.hdr, false, accept) })
	}

	// Sessions without an identity are not judged (RFC 6409, Section 6.1).
	err := enforceSender{}.CheckData(t.Context(), &policy.Conn{Trusted: true}, tx(t, "<>"), readHeader(t, msg("From: ceo@example.org")))
	checkReply(t, "trusted enforce-sender", err, accept)
}
