package submission

import (
	"bufio"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
)

// TestNameSet: fieldIndex finds exactly what a comparison with every name
// finds, for every set the policies use and for field names in any case,
// names that share a first letter or a length, and names whose first octet
// is no letter but shares a letter's low five bits.
func TestNameSet(t *testing.T) {
	sets := map[string]*nameSet{
		"unique": uniqueSet, "list": listFields, "originator": originatorFields,
		"resent-sender": resentSenderFields, "resent-from": resentFromFields,
		"rewrite": rewriteFields, "address": addressFields,
	}
	var in strings.Builder
	for _, s := range sets {
		for _, n := range s.names {
			in.WriteString(n + ": x\r\n")
			in.WriteString(strings.ToUpper(n) + ": x\r\n")
			in.WriteString(strings.ToLower(n) + " : x\r\n") // obsolete WSP before the colon
			in.WriteString(n + "x: x\r\n")
			in.WriteString(n[:len(n)-1] + ": x\r\n")
		}
	}
	for _, n := range []string{"&rom", "F", "Subjecu", "Content-Type", "Received", "X-Mailer", "DKIM-Signature", "~", "-o", "Resent-Date"} {
		in.WriteString(n + ": x\r\n")
	}
	in.WriteString("\r\n")
	h, err := header.Read(bufio.NewReader(strings.NewReader(in.String())), header.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range sets {
		for i, f := range h.All() {
			want := -1
			for j, n := range s.names {
				if f.HasName(n) {
					want = j
				}
			}
			if got := fieldIndex(f, s); got != want {
				t.Errorf("%s: field %d %q: fieldIndex = %d, want %d", name, i, f.Raw(), got, want)
			}
		}
	}
	if got := fieldIndex(header.Field{}, addressFields); got != -1 {
		t.Errorf("zero Field: %d", got)
	}
}
