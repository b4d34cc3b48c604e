package submission

import (
	"bufio"
	"fmt"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// TestFieldAddresses checks the per-field memo against parsing each
// field's value afresh: the same result for every field, past the memo's
// bound, for fields visited twice, blank fields and a replaced field whose
// value is the same.
func TestFieldAddresses(t *testing.T) {
	var in strings.Builder
	in.WriteString("Bcc: \r\nTo:\r\n  \r\nBcc: (undisclosed)\r\nCc: not an address\r\n")
	for i := range maxFieldMemo + 4 {
		fmt.Fprintf(&in, "To: User %d <u%d@example.org>,\r\n v%d@example.org\r\n", i, i, i)
	}
	in.WriteString("\r\n")
	h, err := header.Read(bufio.NewReader(strings.NewReader(in.String())), header.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		tx   *policy.Transaction
	}{
		{"memo", &policy.Transaction{}},
		{"nil transaction", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for round := range 2 {
				for i := 0; i < h.Len(); i++ {
					f := h.Field(i)
					addrs, blank, err := fieldAddresses(tc.tx, f)
					want, wantErr := header.ParseAddressList(f.Value())
					if blank != header.IsCFWS(f.Value()) {
						t.Errorf("round %d field %d: blank = %v", round, i, blank)
					}
					if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
						t.Fatalf("round %d field %d: error %v, want %v", round, i, err, wantErr)
					}
					if len(addrs) != len(want) {
						t.Fatalf("round %d field %d: %v, want %v", round, i, addrs, want)
					}
					for j := range addrs {
						if addrs[j] != want[j] {
							t.Errorf("round %d field %d: %v, want %v", round, i, addrs[j], want[j])
						}
					}
				}
			}
			if tc.tx != nil && len(memoOf(tc.tx).fields) != maxFieldMemo {
				t.Errorf("memo holds %d fields, want the bound %d", len(memoOf(tc.tx).fields), maxFieldMemo)
			}
		})
	}
	t.Run("replaced field", func(t *testing.T) {
		tx := &policy.Transaction{}
		i := h.Index("Cc")
		if _, _, err := fieldAddresses(tx, h.Field(i)); err == nil {
			t.Fatal("Cc parsed")
		}
		h2, err := header.Read(bufio.NewReader(strings.NewReader("Cc: a@example.org\r\n\r\n")), header.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		addrs, _, err := fieldAddresses(tx, h2.Field(0))
		if err != nil || len(addrs) != 1 {
			t.Errorf("another header's field: %v, %v", addrs, err)
		}
	})
}
