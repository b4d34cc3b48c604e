package header

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.want.eml")

// TestGolden applies the edits an MSA makes to each testdata/golden/*.in.eml
// and compares with the matching .want.eml: prepend a Received field,
// replace a Date that does not parse (in place), delete Bcc. Everything else
// must come out as it went in.
func TestGolden(t *testing.T) {
	t.Parallel()
	ins, err := filepath.Glob("testdata/golden/*.in.eml")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	by := domain(t, "msa.example")
	date := time.Date(2024, 3, 5, 9, 41, 18, 0, time.UTC)
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			t.Parallel()
			msg, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			h, body, err := readAll(msg)
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := h.Get("Date"); ok {
				if _, err := ParseDate(v); err != nil {
					if err := h.Replace("Date", FormatDate(date)); err != nil {
						t.Fatal(err)
					}
				}
			}
			h.Delete("Bcc")
			// TLS without a known version or suite: "with ESMTPSA" and no
			// TLS comment or clause, as the golden files were made.
			f, err := Received{Helo: "client.example", By: by, ESMTP: true, TLS: &tls.ConnectionState{}, Authenticated: true, ID: "golden1", Date: date}.Field()
			if err != nil {
				t.Fatal(err)
			}
			if err := h.PrependField(f); err != nil {
				t.Fatal(err)
			}
			got := append(h.Bytes(), body...)
			wantFile := strings.TrimSuffix(in, ".in.eml") + ".want.eml"
			if *update {
				if err := os.WriteFile(wantFile, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("edited message differs from %s:\n got %q\nwant %q", wantFile, got, want)
			}
		})
	}
}

// TestReadAllocsIndependentOfBody: Read never touches the body, so its
// allocations do not grow with it (STYLE 2.5).
func TestReadAllocsIndependentOfBody(t *testing.T) {
	hdr := benchHeaders[0].header
	allocs := func(bodySize int) float64 {
		msg := []byte(hdr + strings.Repeat("x", bodySize))
		return testing.AllocsPerRun(20, func() {
			h, err := Read(newBufReader(msg), ReadOptions{})
			if err != nil || h.Len() == 0 {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(1<<10), allocs(10<<20)
	if small != large {
		t.Errorf("Read allocations: %v with a 1 KiB body, %v with a 10 MiB body", small, large)
	}
}

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
