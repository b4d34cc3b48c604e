package policy_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/policy"
)

// registry is the subset of the IANA "Enumerated Status Codes" registry (RFC
// 5248, Section 2.3) that msakit uses, with where each entry is defined and
// the basic codes the registry associates with it ("" = "Not given" or
// "Any" in RFC 5248, Table 1, or an entry added after it).
var registry = map[string]struct {
	defined string
	basic   []int
}{
	"0.0":  {"RFC 3463, Section 3.1", nil},
	"1.2":  {"RFC 3463, Section 3.2", nil},
	"1.3":  {"RFC 3463, Section 3.2", []int{501}},
	"1.7":  {"RFC 3463, Section 3.2", nil},
	"1.8":  {"RFC 3463, Section 3.2", []int{451, 501}},
	"3.0":  {"RFC 3463, Section 3.4", []int{221, 250, 421, 451, 550, 554}},
	"3.4":  {"RFC 3463, Section 3.4", []int{552, 554}},
	"5.1":  {"RFC 3463, Section 3.6", []int{430, 500, 501, 503, 530, 550, 554, 555}},
	"5.2":  {"RFC 3463, Section 3.6", []int{500, 501, 502, 550, 555}},
	"5.3":  {"RFC 3463, Section 3.6", []int{451}},
	"5.4":  {"RFC 3463, Section 3.6", []int{451, 501, 502, 503, 504, 550, 555}},
	"5.6":  {"RFC 4954, Section 6", []int{500}},
	"6.0":  {"RFC 3463, Section 3.7", nil},
	"6.7":  {"RFC 6531, Section 4", []int{550, 553}},
	"7.0":  {"RFC 3463, Section 3.8", []int{220, 235, 450, 454, 500, 501, 503, 504, 530, 535, 550}},
	"7.1":  {"RFC 3463, Section 3.8", []int{451, 454, 502, 503, 533, 550, 551}},
	"7.8":  {"RFC 4954, Section 6", []int{535, 554}},
	"7.9":  {"RFC 4954, Section 6", []int{534}},
	"7.11": {"RFC 4954, Section 6", []int{524, 538}},
}

// Deliberate pairings outside RFC 5248, Table 1's association list, which
// that RFC calls incomplete ("the entries that have some basic status codes
// might allow for other detail sub-codes"), each with the RFC that asks for
// the pairing.
var pairingSource = map[string]string{
	"452 4.5.3": "RFC 5321, Section 4.5.3.1.10 (452) with RFC 3463, Section 3.6 (X.5.3 too many recipients)",
	"554 5.1.8": "RFC 6409, Section 4.2 (554 for improper domains)",
	"554 5.1.2": "RFC 6409, Section 4.2 (554 for improper domains)",
	"501 5.1.7": "RFC 6409, Section 5.1 (501 for improper addresses)",
	"550 5.6.7": "RFC 6531, Section 3.5",
	"553 5.6.7": "RFC 6531, Section 3.5",
	"554 5.6.0": "RFC 6409, Sections 5.1 and 6.3 (554 for syntactic problems in the data)",
}

func TestReplyConstructors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		r        *policy.Reply
		code     int
		enhanced string
		sentinel error
	}{
		{"LocalError", policy.LocalError(), 451, "3.0", policy.ErrLocal},
		{"BadSequence", policy.BadSequence(), 503, "5.1", policy.ErrBadSequence},
		{"AuthRequired", policy.AuthRequired(), 530, "7.0", policy.ErrAuthRequired},
		{"NoReturnPath", policy.NoReturnPath(), 550, "7.1", policy.ErrNoReturnPath},
		{"SenderNotAuthorized", policy.SenderNotAuthorized(), 550, "7.1", policy.ErrSenderNotAuthorized},
		{"RecipientNotPermitted", policy.RecipientNotPermitted(), 550, "7.1", policy.ErrRecipientNotPermitted},
		{"UnqualifiedSender", policy.UnqualifiedSender(), 554, "1.8", policy.ErrUnqualifiedDomain},
		{"UnqualifiedRecipient", policy.UnqualifiedRecipient(), 554, "1.2", policy.ErrUnqualifiedDomain},
		{"UnqualifiedHeader", policy.UnqualifiedHeader(), 554, "6.0", policy.ErrUnqualifiedDomain},
		{"BadSenderSyntax", policy.BadSenderSyntax(), 501, "1.7", policy.ErrAddressSyntax},
		{"BadRecipientSyntax", policy.BadRecipientSyntax(), 501, "1.3", policy.ErrAddressSyntax},
		{"TooManyRecipients", policy.TooManyRecipients(), 452, "5.3", policy.ErrTooManyRecipients},
		{"MessageTooBig", policy.MessageTooBig(), 552, "3.4", policy.ErrMessageTooBig},
		{"NonASCIISender", policy.NonASCIISender(), 550, "6.7", policy.ErrSMTPUTF8Required},
		{"NonASCIIRecipient", policy.NonASCIIRecipient(), 553, "6.7", policy.ErrSMTPUTF8Required},
		{"HeaderInvalid", policy.HeaderInvalid("Message has no From header field"), 554, "6.0", policy.ErrHeaderSyntax},
		{"MessageInvalid", policy.MessageInvalid("Bare LF in message body"), 554, "6.0", policy.ErrMessageSyntax},
		{"AuthTemporaryFailure", policy.AuthTemporaryFailure(), 454, "7.0", auth.ErrTemporary},
		{"AuthInvalid", policy.AuthInvalid(), 535, "7.8", auth.ErrInvalidCredentials},
		{"AuthMechanismTooWeak", policy.AuthMechanismTooWeak(), 534, "7.9", auth.ErrMechanismTooWeak},
		{"AuthEncryptionRequired", policy.AuthEncryptionRequired(), 538, "7.11", auth.ErrEncryptionRequired},
		{"AuthMalformed", policy.AuthMalformed(), 501, "5.2", auth.ErrMalformed},
		{"AuthLineTooLong", policy.AuthLineTooLong(), 500, "5.6", auth.ErrLineTooLong},
		{"AuthUnsupported", policy.AuthUnsupported(), 504, "5.4", auth.ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.r
			if r.Code != tc.code || r.Enhanced != tc.enhanced {
				t.Fatalf("%s() = %d %s, want %d %d.%s", tc.name, r.Code, r.EnhancedCode(), tc.code, tc.code/100, tc.enhanced)
			}
			if err := r.Valid(); err != nil {
				t.Errorf("%s().Valid() = %v", tc.name, err)
			}
			if !errors.Is(r, tc.sentinel) {
				t.Errorf("errors.Is(%s(), %v) = false", tc.name, tc.sentinel)
			}
			// Class is Code/100 and is 4 or 5 (RFC 3463, Section 3.1).
			if cls := strings.SplitN(r.EnhancedCode(), ".", 2)[0]; cls != strconv.Itoa(r.Code/100) {
				t.Errorf("%s(): class %s does not match code %d", tc.name, cls, r.Code)
			}
			if c := r.Code / 100; c != 4 && c != 5 {
				t.Errorf("%s(): code %d is not 4xx/5xx", tc.name, r.Code)
			}
			subject, detail, ok := strings.Cut(r.Enhanced, ".")
			if !ok || len(subject) != 1 || subject[0] < '0' || subject[0] > '7' || detail == "" {
				t.Errorf("%s(): enhanced %q is not subject.detail with subject 0-7", tc.name, r.Enhanced)
			}
			reg, ok := registry[r.Enhanced]
			if !ok {
				t.Fatalf("%s(): X.%s is not in the registry subset (RFC 5248)", tc.name, r.Enhanced)
			}
			pair := r.Line()[:3] + " " + r.EnhancedCode()
			if len(reg.basic) > 0 && !containsInt(reg.basic, r.Code) {
				if _, ok := pairingSource[pair]; !ok {
					t.Errorf("%s(): %s pairs a basic code RFC 5248 does not associate with X.%s (%s) and has no cited source",
						tc.name, pair, r.Enhanced, reg.defined)
				}
			}
			// Each constructor returns a fresh value.
			again := *r
			r.Text = "changed"
			if again.Text == "changed" {
				t.Errorf("%s(): shares its value", tc.name)
			}
		})
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestEnhancedConstants checks every Enh constant against the registry
// subset: subject 0-7 and a detail on record.
func TestEnhancedConstants(t *testing.T) {
	t.Parallel()
	consts := map[string]string{
		"Enh0_0Other": policy.Enh0_0Other, "Enh1_2BadDestinationSystem": policy.Enh1_2BadDestinationSystem,
		"Enh1_3BadDestinationSyntax": policy.Enh1_3BadDestinationSyntax, "Enh1_7BadSenderSyntax": policy.Enh1_7BadSenderSyntax,
		"Enh1_8BadSenderSystem": policy.Enh1_8BadSenderSystem, "Enh3_0MailSystem": policy.Enh3_0MailSystem,
		"Enh3_4TooBig": policy.Enh3_4TooBig, "Enh5_1InvalidCommand": policy.Enh5_1InvalidCommand,
		"Enh5_2SyntaxError": policy.Enh5_2SyntaxError, "Enh5_3TooManyRecipients": policy.Enh5_3TooManyRecipients,
		"Enh5_4InvalidArguments": policy.Enh5_4InvalidArguments, "Enh5_6LineTooLong": policy.Enh5_6LineTooLong,
		"Enh6_0MediaError": policy.Enh6_0MediaError, "Enh6_7NonASCIIAddress": policy.Enh6_7NonASCIIAddress,
		"Enh7_0Security": policy.Enh7_0Security, "Enh7_1NotAuthorized": policy.Enh7_1NotAuthorized,
		"Enh7_8InvalidCredentials": policy.Enh7_8InvalidCredentials, "Enh7_9MechanismTooWeak": policy.Enh7_9MechanismTooWeak,
		"Enh7_11EncryptionRequired": policy.Enh7_11EncryptionRequired,
	}
	for name, v := range consts {
		if _, ok := registry[v]; !ok {
			t.Errorf("%s = %q: not in the registry subset", name, v)
		}
		// The name carries the number: Enh7_11EncryptionRequired is "7.11".
		subject, after, _ := strings.Cut(strings.TrimPrefix(name, "Enh"), "_")
		n := 0
		for n < len(after) && after[n] >= '0' && after[n] <= '9' {
			n++
		}
		if subject+"."+after[:n] != v {
			t.Errorf("%s = %q: name and value disagree", name, v)
		}
	}
	codes := map[string]int{
		"Code451LocalError": policy.Code451LocalError, "Code452TooManyRecipients": policy.Code452TooManyRecipients,
		"Code454TempAuthFailure": policy.Code454TempAuthFailure, "Code500LineTooLong": policy.Code500LineTooLong,
		"Code501SyntaxError": policy.Code501SyntaxError, "Code503BadSequence": policy.Code503BadSequence,
		"Code504NotImplemented": policy.Code504NotImplemented, "Code530AuthRequired": policy.Code530AuthRequired,
		"Code534MechanismTooWeak": policy.Code534MechanismTooWeak, "Code535AuthInvalid": policy.Code535AuthInvalid,
		"Code538EncryptionRequired": policy.Code538EncryptionRequired, "Code550MailboxUnavailable": policy.Code550MailboxUnavailable,
		"Code552ExceededStorage": policy.Code552ExceededStorage, "Code553MailboxNameNotAllowed": policy.Code553MailboxNameNotAllowed,
		"Code554TransactionFailed": policy.Code554TransactionFailed,
	}
	for name, v := range codes {
		if name[4:7] != strconv.Itoa(v) {
			t.Errorf("%s = %d: name and value disagree", name, v)
		}
		if v < 400 || v > 599 {
			t.Errorf("%s = %d: not a negative reply", name, v)
		}
	}
}
