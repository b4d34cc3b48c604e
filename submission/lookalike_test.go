package submission_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/msakit/msakit/policy"
)

// verdict is the expected reply to one address in one place: code 0 means
// accepted.
type verdict struct {
	code int
	enh  string
}

var (
	accepted     = verdict{}
	badSender    = verdict{501, "5.1.7"} // MAIL: envelope syntax (RFC 5321, Section 4.1.2; RFC 6531, Section 3.3)
	badRecipient = verdict{501, "5.1.3"} // RCPT: envelope syntax
	badHeader    = verdict{554, "5.6.0"} // DATA: header address syntax (RFC 6409, Section 6.3)
	notYours     = verdict{550, "5.7.1"} // MAIL or DATA: a valid address alice may not use (RFC 6409, Sections 6.1, 6.3)
)

// lookAlike is one spelling of an address that looks like, or maps under
// IDNA or Unicode normalization to, an address alice may use (alice may
// use alice@example.org and any address @example.net), with the verdict in
// MAIL FROM, in RCPT TO, and in the From, Sender and Resent-From header
// fields.
type lookAlike struct {
	name       string
	addr       string
	mail, rcpt verdict
	header     verdict
}

// refused is the verdict on a look-alike spelling: refused everywhere as
// malformed, never normalized into the address it imitates.
func refused(name, addr string) lookAlike {
	return lookAlike{name, addr, badSender, badRecipient, badHeader}
}

// lookAlikes are the forms of TestLookAlikes. Most map, under the UTS #46
// mapping of IDNA or under NFC, to alice@example.net, an address alice may
// use: normalizing them would let her (or anyone who may use it) make the
// message show readers and later parsers another address than the one
// checked. The last rows are valid and canonical spellings of other
// addresses: accepted as recipients, and refused as senders only because
// alice does not own them.
var lookAlikes = []lookAlike{
	// Zero-width and other invisible characters.
	refused("zero-width space in domain", "alice@exa\u200bmple.net"),
	refused("zero-width non-joiner in domain", "alice@exa\u200cmple.net"),
	refused("zero-width joiner in domain", "alice@exa\u200dmple.net"),
	refused("word joiner in domain", "alice@exa\u2060mple.net"),
	refused("zero-width no-break space in domain", "alice@\ufeffexample.net"),
	refused("soft hyphen in domain", "alice@exam\u00adple.net"),
	refused("combining grapheme joiner in domain", "alice@exa\u034fmple.net"),
	refused("variation selector in domain", "alice@example\ufe0f.net"),
	refused("zero-width space in local part", "ali\u200bce@example.net"),
	refused("soft hyphen in local part", "ali\u00adce@example.net"),
	// Bidi controls.
	refused("right-to-left override in domain", "alice@\u202eelpmaxe.net"),
	refused("left-to-right mark in domain", "alice@example\u200e.net"),
	refused("right-to-left isolate in domain", "alice@\u2067example.net"),
	refused("arabic letter mark in domain", "alice@example\u061c.net"),
	refused("right-to-left override in local part", "\u202eecila@example.net"),
	// Full-width letters and dots.
	refused("full-width domain", "alice@ｅｘａｍｐｌｅ.net"),
	refused("one full-width letter", "alice@exａmple.net"),
	refused("full-width top-level domain", "alice@example.ｎｅｔ"),
	refused("full-width full stop", "alice@example．net"),
	refused("full-width at sign", "alice＠example.net"),
	// Ideographic and other dot variants.
	refused("ideographic full stop", "alice@example。net"),
	refused("halfwidth ideographic full stop", "alice@example｡net"),
	refused("one dot leader", "alice@example\u2024net"),
	refused("small full stop", "alice@example\ufe52net"),
	// Compatibility characters.
	refused("script small e", "alice@\u212fxample.net"),
	refused("mathematical bold e", "alice@\U0001d41example.net"),
	refused("circled e", "alice@\u24d4xample.net"),
	refused("modifier small e", "alice@exampl\u1d49.net"),
	refused("ligature fi", "alice@pro\ufb01le.example.net"),
	refused("kelvin sign", "alice@\u212aexample.net"),
	refused("micro sign", "alice@\u00b5.example.net"),
	refused("non-ascii capital", "alice@EXAMPLÉ.net"),
	refused("decomposed e acute in domain", "alice@e\u0301xample.net"),
	refused("decomposed e acute in local part", "jose\u0301@example.net"),
	refused("angstrom sign in local part", "\u212bngstr\u00f6m@example.net"),
	refused("cjk compatibility ideograph in local part", "\uf96b@example.net"),
	// Mixed scripts that IDNA2008 rejects: the Bidi rule (RFC 5893,
	// Section 2) forbids right-to-left letters in a label with
	// left-to-right ones, and a right-to-left label that starts with a
	// digit.
	refused("latin and hebrew in one label", "alice@example\u05d0.net"),
	refused("latin and arabic in one label", "alice@ex\u0628ample.net"),
	refused("hebrew label starting with a digit", "alice@1\u05d0\u05d1.example.net"),
	// Valid, canonical spellings of other addresses: no IDNA or NFC
	// mapping makes them alice's, so they are judged as what they are.
	{"cyrillic a in local part", "\u0430lice@example.org", notYours, accepted, notYours},
	{"full-width local part", "ａｌｉｃｅ@example.org", notYours, accepted, notYours},
	{"cyrillic letters in domain", "alice@\u0435\u0445\u0430mple.org", notYours, accepted, notYours},
	{"greek omicron in domain", "alice@exampl\u03bf.org", notYours, accepted, notYours},
}

// TestLookAlikes drives each look-alike spelling through a Session with
// SMTPUTF8, as MAIL FROM, as RCPT TO, and in From, Sender and Resent-From,
// and pins the reply code and enhanced code of each (RFC 6532, Section
// 3.1; RFC 5890, Section 2.3.2.1; RFC 6409, Sections 5.1 and 6.3).
func TestLookAlikes(t *testing.T) {
	t.Parallel()
	if len(lookAlikes) < 30 {
		t.Fatalf("%d look-alike forms, want at least 30", len(lookAlikes))
	}
	f := newFixture(t, nil)
	utf8 := &policy.MailOptions{SMTPUTF8: true, Body: policy.Body8BitMIME}
	for _, tc := range lookAlikes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := f.session()
			err := s.Mail(t.Context(), "<"+tc.addr+">", utf8)
			wantReply(t, fmt.Sprintf("MAIL FROM:<%+q>", tc.addr), err, tc.mail.code, tc.mail.enh)
			s.Reset()

			wantReply(t, "MAIL", s.Mail(t.Context(), "<alice@example.org>", utf8), 0, "")
			err = s.Rcpt(t.Context(), "<"+tc.addr+">", nil)
			wantReply(t, fmt.Sprintf("RCPT TO:<%+q>", tc.addr), err, tc.rcpt.code, tc.rcpt.enh)
			s.Reset()

			for _, field := range []string{"From", "Sender", "Resent-From"} {
				var h strings.Builder
				if field != "From" {
					h.WriteString("From: Alice <alice@example.org>\n")
				}
				if field == "Resent-From" {
					h.WriteString("Resent-Date: Mon, 23 Nov 2026 19:59:00 +0000\n")
				}
				fmt.Fprintf(&h, "%s: Alice <%s>\nTo: bob@example.com\nSubject: hi\n\nHello\n", field, tc.addr)
				r, err := submit(t, s, utf8, crlf(h.String()))
				if err == nil {
					_, err = io.Copy(io.Discard, r)
				}
				wantReply(t, fmt.Sprintf("%s: Alice <%+q>", field, tc.addr), err, tc.header.code, tc.header.enh)
				s.Reset()
			}
		})
	}
}
