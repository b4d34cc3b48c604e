package header

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/msakit/msakit/envelope"
)

func TestParseMessageID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		obs            bool
	}{
		{"RFC 5322 A.1.1", "<1234@local.machine.example>", "1234@local.machine.example", false},
		{"RFC 5322 A.1.2", "<5678.21-Nov-1997@example.com>", "5678.21-Nov-1997@example.com", false},
		{"RFC 5322 A.5 leading white space", "             <testabcd.1234@silly.test>", "testabcd.1234@silly.test", false},
		{"RFC 5322 A.6.3 obsolete", "<1234   @   local(blah)  .machine .example>", "1234@local.machine.example", true},
		{"no-fold-literal", "<simple.local@[someexamplecom.domain]>", "simple.local@[someexamplecom.domain]", false},
		{"single-label right", "<aperson@somedomain>", "aperson@somedomain", false},
		{"quoted left (obsolete)", `<"simeple.local"@example.com>`, "simeple.local@example.com", true},
		{"quoted left that must stay quoted", `<"a b"@example.com>`, `"a b"@example.com`, true},
		{"comment in right (obsolete)", "<simplelocal@(old)example.com>", "simplelocal@example.com", true},
		{"trailing comment", "<a@b> (generated)", "a@b", false},
		{"UTF-8 (RFC 6532)", "<\u00e9t\u00e9@b\u00fccher.example>", "\u00e9t\u00e9@b\u00fccher.example", false},
		{"special atext", "<a!#$%&'*+-/=?^_`{|}~@b>", "a!#$%&'*+-/=?^_`{|}~@b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMessageID(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseMessageID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			if IsObsoleteMessageID(tc.in) != tc.obs {
				t.Errorf("IsObsoleteMessageID(%q) = %v, want %v", tc.in, !tc.obs, tc.obs)
			}
		})
	}
}

func TestParseMessageIDErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     error
	}{
		{"empty", "", ErrSyntax},
		{"no brackets", "935-XPB-567:0:45327:9:90305:17843586-40@example.com", ErrSyntax},
		{"no at", "<simplelocal>", ErrSyntax},
		{"empty left", "<@domain>", ErrSyntax},
		{"empty left after space", "< @domain>", ErrSyntax},
		{"empty right", "<simplelocal@>", ErrSyntax},
		{"unclosed", "<simplelocal@domain", ErrSyntax},
		{"literal on the left", "<[abrakadabra@microsoft.com]>", ErrSyntax},
		{"trailing text", "<validmessageid@example>thensomething", ErrSyntax},
		{"two ids", "<a@b> <c@d>", ErrSyntax},
		{"two at", "<a@b@c>", ErrSyntax},
		{"double dot", "<a..b@c>", ErrSyntax},
		{"space in left", "<a b@c>", ErrSyntax},
		{"NUL", "<a\x00@b>", ErrNUL},
		{"bare LF", "<a@b>\n", ErrBareLF},
		{"too long", "<" + strings.Repeat("a", maxValueLen) + "@b>", ErrTooBig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, err := ParseMessageID(tc.in); !errors.Is(err, tc.want) {
				t.Errorf("ParseMessageID(%q) = %q, %v; want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// pyMsgIDDisagree: CPython vectors answered differently, with the reason.
var pyMsgIDDisagree = map[string]string{
	// CPython repairs a missing ">" with a defect; RFC 5322 §3.6.4 requires it.
	"<simplelocal@domain": "refused",
}

func TestParseMessageIDPythonVectors(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/python-email/header_value_parser_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var hvp struct {
		Cases []struct {
			Function, Source, Remainder, Value string
			Defects                            []string
		}
		HeaderParseError []struct{ Function, Source string } `json:"header_parse_error"`
	}
	if err := json.Unmarshal(data, &hvp); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range hvp.Cases {
		if c.Function != "get_msg_id" && c.Function != "parse_message_id" {
			continue
		}
		n++
		if _, ok := pyMsgIDDisagree[c.Source]; ok {
			if _, err := ParseMessageID(c.Source); err == nil {
				t.Errorf("ParseMessageID(%q) accepted; drop the disagreement", c.Source)
			}
			continue
		}
		got, err := ParseMessageID(c.Source)
		switch kind := pyKind(c.Defects); {
		case kind == "invalid" || strings.HasPrefix(c.Source, "< @"):
			// "< @domain>": CPython flags an empty id-left only as obsolete,
			// but obs-id-left = local-part needs at least one word.
			if err == nil {
				t.Errorf("ParseMessageID(%q) = %q, CPython finds it invalid", c.Source, got)
			}
		case err != nil:
			t.Errorf("ParseMessageID(%q) error %v", c.Source, err)
		case IsObsoleteMessageID(c.Source) != (kind == "obsolete"):
			t.Errorf("IsObsoleteMessageID(%q) = %v, CPython says %s", c.Source, kind != "obsolete", kind)
		}
	}
	for _, c := range hvp.HeaderParseError {
		if c.Function != "get_msg_id" {
			continue
		}
		n++
		if got, err := ParseMessageID(c.Source); err == nil {
			t.Errorf("ParseMessageID(%q) = %q, CPython raises", c.Source, got)
		}
	}
	if n != 16 {
		t.Errorf("%d CPython msg-id vectors, want 16", n)
	}
}

func TestNewMessageID(t *testing.T) {
	t.Parallel()
	d, err := envelope.ParseDomain("b\u00fccher.example")
	if err != nil {
		t.Fatal(err)
	}
	random := bytes.NewReader(bytes.Repeat([]byte{0xff}, 40))
	id, err := NewMessageID(random, d, false)
	want := "<" + strings.Repeat("7", 32) + "@xn--bcher-kva.example>"
	if err != nil || id != want {
		t.Fatalf("NewMessageID = %q, %v; want %q", id, err, want)
	}
	if random.Len() != 40-messageIDBits/8 {
		t.Errorf("read %d random octets, want %d", 40-random.Len(), messageIDBits/8)
	}
	id, err = NewMessageID(nil, d, true)
	if err != nil || !strings.HasSuffix(id, "@b\u00fccher.example>") {
		t.Fatalf("NewMessageID(smtputf8) = %q, %v", id, err)
	}
	if _, err := ParseMessageID(id); err != nil {
		t.Errorf("ParseMessageID(NewMessageID()) = %v", err)
	}
	other, _ := NewMessageID(nil, d, true)
	if other == id {
		t.Errorf("two identifiers from crypto/rand are equal: %q", id)
	}
	if _, err := NewMessageID(nil, envelope.Domain{}, false); !errors.Is(err, ErrSyntax) {
		t.Errorf("zero domain: %v", err)
	}
	if _, err := NewMessageID(iotest.ErrReader(errors.New("no entropy")), d, false); err == nil {
		t.Errorf("failing random reader: no error")
	}
	lit, _ := envelope.ParseDomain("[192.0.2.1]")
	if id, err := NewMessageID(nil, lit, false); err != nil || !strings.HasSuffix(id, "@[192.0.2.1]>") {
		t.Errorf("address literal: %q, %v", id, err)
	} else if _, err := ParseMessageID(id); err != nil {
		t.Errorf("ParseMessageID(%q) = %v", id, err)
	}
}
