package submission

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/header"
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
	"4.3":  {"RFC 3463, Section 3.5", []int{451, 550}},
	"5.1":  {"RFC 3463, Section 3.6", []int{430, 500, 501, 503, 530, 550, 554, 555}},
	"5.2":  {"RFC 3463, Section 3.6", []int{500, 501, 502, 550, 555}},
	"5.3":  {"RFC 3463, Section 3.6", []int{451}},
	"5.4":  {"RFC 3463, Section 3.6", []int{451, 501, 502, 503, 504, 550, 555}},
	"5.6":  {"RFC 4954, Section 6", []int{500}},
	"6.0":  {"RFC 3463, Section 3.7", nil},
	"6.1":  {"RFC 3463, Section 3.7", nil},
	"6.3":  {"RFC 3463, Section 3.7", []int{554}},
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
	"421 4.7.0": "RFC 5321, Section 3.8 (421 when the server ends the session) with RFC 3463, Section 3.8 (X.7.0 other security status)",
}

func TestReplyConstructors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		mk       func() *policy.Reply
		code     int
		enhanced string
		sentinel error
	}{
		{"LocalError", replyLocalError, 451, "4.3.0", errLocal},
		{"BadSequence", replyBadSequence, 503, "5.5.1", errBadSequence},
		{"AuthRequired", replyAuthRequired, 530, "5.7.0", errAuthRequired},
		{"NoReturnPath", replyNoReturnPath, 550, "5.7.1", errNoReturnPath},
		{"SenderNotAuthorized", replySenderNotAuthorized, 550, "5.7.1", errSenderNotAuthorized},
		{"RecipientNotPermitted", replyRecipientNotPermitted, 550, "5.7.1", errRecipientNotPermitted},
		{"UnqualifiedSender", replyUnqualifiedSender, 554, "5.1.8", errUnqualifiedDomain},
		{"UnqualifiedRecipient", replyUnqualifiedRecipient, 554, "5.1.2", errUnqualifiedDomain},
		{"UnqualifiedHeader", replyUnqualifiedHeader, 554, "5.6.0", errUnqualifiedDomain},
		{"BadSenderSyntax", replyBadSenderSyntax, 501, "5.1.7", errAddressSyntax},
		{"BadRecipientSyntax", replyBadRecipientSyntax, 501, "5.1.3", errAddressSyntax},
		{"TooManyRecipients", replyTooManyRecipients, 452, "4.5.3", errTooManyRecipients},
		{"MessageTooBig", replyMessageTooBig, 552, "5.3.4", errMessageTooBig},
		{"NonASCIISender", replyNonASCIISender, 550, "5.6.7", errSMTPUTF8Required},
		{"NonASCIIRecipient", replyNonASCIIRecipient, 553, "5.6.7", errSMTPUTF8Required},
		{"HeaderInvalid", func() *policy.Reply { return replyHeaderInvalid("Message has no From header field") }, 554, "5.6.0", errHeaderSyntax},
		{"MessageInvalid", func() *policy.Reply { return replyMessageInvalid("Bare LF in message body") }, 554, "5.6.0", errMessageSyntax},
		{"AuthTemporaryFailure", replyAuthTemporaryFailure, 454, "4.7.0", auth.ErrTemporary},
		{"AuthInvalid", replyAuthInvalid, 535, "5.7.8", auth.ErrInvalidCredentials},
		{"AuthMechanismTooWeak", replyAuthMechanismTooWeak, 534, "5.7.9", auth.ErrMechanismTooWeak},
		{"AuthEncryptionRequired", replyAuthEncryptionRequired, 538, "5.7.11", auth.ErrEncryptionRequired},
		{"AuthMalformed", replyAuthMalformed, 501, "5.5.2", auth.ErrMalformed},
		{"AuthLineTooLong", replyAuthLineTooLong, 500, "5.5.6", auth.ErrResponseTooLong},
		{"AuthUnsupported", replyAuthUnsupported, 504, "5.5.4", auth.ErrUnsupported},
		// The replies built outside this file: the limits, 8-bit data and
		// Downgrade's errors.
		{"MessageLimit", func() *policy.Reply { return replyMessageLimit(Limit{Max: 100, Per: time.Hour}, 17*time.Minute) }, 451, "4.7.1", errMessageLimit},
		{"RecipientLimit", func() *policy.Reply { return replyRecipientLimit(Limit{Max: 500, Per: time.Hour}, time.Minute) }, 452, "4.5.3", errRecipientLimit},
		{"AuthThrottled", func() *policy.Reply { return replyAuthThrottled(time.Minute) }, 454, "4.7.0", errAuthThrottled},
		{"AuthClosing", replyAuthClosing, 421, "4.7.0", errAuthThrottled},
		{"StoreDown", func() *policy.Reply { return replyStoreDown(StageMail, &storeError{err: errLocal}) }, 451, "4.3.0", errLocal},
		{"StoreDownAuth", func() *policy.Reply { return replyStoreDown(StageAuth, &storeError{err: errLocal}) }, 454, "4.7.0", auth.ErrTemporary},
		{"8Bit", reply8Bit, 554, "5.6.1", err8Bit},
		{"8BitHeader", reply8BitHeader, 554, "5.6.1", err8Bit},
		{"Downgrade", func() *policy.Reply { return replyDowngrade(errDowngradeHeader) }, 554, "5.6.3", errDowngradeHeader},
		{"BareCR", replyBareCR, 554, "5.6.0", header.ErrBareCR},
		{"BareLF", replyBareLF, 554, "5.6.0", header.ErrBareLF},
		{"NUL", replyNUL, 554, "5.6.0", header.ErrNUL},
		{"LineTooLong", replyLineTooLong, 554, "5.6.0", header.ErrLineTooLong},
		{"Overrun", replyOverrun, 451, "4.4.3", errStageOverrun},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.mk()
			if r.Code != tc.code || r.Enhanced != tc.enhanced {
				t.Fatalf("%s() = %d %s, want %d %s", tc.name, r.Code, r.EnhancedCode(), tc.code, tc.enhanced)
			}
			if err := r.Valid(); err != nil {
				t.Errorf("%s().Valid() = %v", tc.name, err)
			}
			if !errors.Is(r, tc.sentinel) {
				t.Errorf("errors.Is(%s(), %v) = false", tc.name, tc.sentinel)
			}
			// Class is Code/100 and is 4 or 5 (RFC 3463, Section 3.1).
			class, subjectDetail, _ := strings.Cut(r.Enhanced, ".")
			if class != strconv.Itoa(r.Code/100) {
				t.Errorf("%s(): class %s does not match code %d", tc.name, class, r.Code)
			}
			if c := r.Code / 100; c != 4 && c != 5 {
				t.Errorf("%s(): code %d is not 4xx/5xx", tc.name, r.Code)
			}
			subject, detail, ok := strings.Cut(subjectDetail, ".")
			if !ok || len(subject) != 1 || subject[0] < '0' || subject[0] > '7' || detail == "" {
				t.Errorf("%s(): enhanced %q is not class.subject.detail with subject 0-7", tc.name, r.Enhanced)
			}
			reg, ok := registry[subjectDetail]
			if !ok {
				t.Fatalf("%s(): X.%s is not in the registry subset (RFC 5248)", tc.name, subjectDetail)
			}
			pair := strconv.Itoa(r.Code) + " " + r.Enhanced
			if len(reg.basic) > 0 && !containsInt(reg.basic, r.Code) {
				if _, ok := pairingSource[pair]; !ok {
					t.Errorf("%s(): %s pairs a basic code RFC 5248 does not associate with X.%s (%s) and has no cited source",
						tc.name, pair, subjectDetail, reg.defined)
				}
			}
			// Each call returns a fresh value: changing one reply (as a
			// caller may) must not reach the next caller's.
			again := tc.mk()
			if again == r {
				t.Fatalf("%s() returned the same *Reply twice", tc.name)
			}
			want, wantPolicy := again.Text, again.Policy
			r.Text, r.Policy = "changed", "changed"
			if again.Text != want || again.Policy != wantPolicy || tc.mk().Text != want || tc.mk().Policy != wantPolicy {
				t.Errorf("%s(): replies share their value", tc.name)
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

// TestWithErrWithText: the helpers that derive a reply copy it, and keep
// the original cause for errors.Is.
func TestWithErrWithText(t *testing.T) {
	t.Parallel()
	base := replySenderNotAuthorized()
	extra := errors.New("lookup said no")
	w := withErr(base, extra)
	if !errors.Is(w, errSenderNotAuthorized) || !errors.Is(w, extra) {
		t.Error("withErr lost a cause")
	}
	if errors.Is(base, extra) {
		t.Error("withErr changed its argument")
	}
	if wt := withText(base, "Other"); wt.Text != "Other" || base.Text == "Other" {
		t.Error("withText changed its argument or did not set Text")
	}
}
