package header

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusFile is one message of testdata with its CRLF form.
type corpusFile struct {
	name string // path below testdata
	raw  []byte // as stored
	crlf []byte // every LF not preceded by CR turned into CRLF
}

func toCRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/20)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

func loadCorpus(t testing.TB) []corpusFile {
	t.Helper()
	var files []corpusFile
	for _, pattern := range []string{"testdata/rfc5322/*.eml", "testdata/python-email/data/*.txt", "testdata/mimekit/compliance/*.eml"} {
		names, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) == 0 {
			t.Fatalf("corpus %s missing", pattern)
		}
		for _, n := range names {
			raw, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, corpusFile{name: strings.TrimPrefix(n, "testdata/"), raw: raw, crlf: toCRLF(raw)})
		}
	}
	return files
}

// readAll reads a header from msg and returns it with the body left.
func readAll(msg []byte) (*Header, []byte, error) {
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := Read(br, ReadOptions{})
	if err != nil {
		return nil, nil, err
	}
	body, err := io.ReadAll(br)
	return h, body, err
}

// missing-body-separator.eml (MimeKit) has no body at all, only a header
// without the empty line: Read accepts it (HasSeparator false) and it round
// trips like the rest.

// refused lists the corpus files that Read refuses even in CRLF form, and
// why. Everything else must round-trip.
var refused = map[string]error{
	// "X-Invalid Header: ..." has a space in the field name (RFC 5322 §3.6.8 ftext).
	"mimekit/compliance/invalid-header-field-with-space.eml": ErrSyntax,
	// The body follows the header without the empty line; its first line has no colon.
	"python-email/data/msg_35.txt": ErrSyntax,
	// mbox "From " separator lines, which are not part of an RFC 5322 message.
	"python-email/data/msg_25.txt": ErrSyntax,
	"python-email/data/msg_43.txt": ErrSyntax,
	// Unfolded header lines of about 1,500 octets (RFC 5322 §2.1.1: 998).
	"mimekit/compliance/invalid-wrapping.eml": ErrLineTooLong,
	// A NUL octet in a header value.
	"mimekit/compliance/unexpected-null-bytes-in-headers.eml": ErrNUL,
	// The first line "Here is the text of the message" is not a header field.
	"python-email/data/msg_19.txt": ErrSyntax,
}

func TestCorpusRoundTrip(t *testing.T) {
	t.Parallel()
	for _, cf := range loadCorpus(t) {
		t.Run(cf.name, func(t *testing.T) {
			t.Parallel()
			if !bytes.Equal(cf.raw, cf.crlf) {
				if _, _, err := readAll(cf.raw); !errors.Is(err, ErrBareLF) && !errors.Is(err, refused[cf.name]) {
					t.Errorf("LF-only file: Read = %v, want ErrBareLF", err)
				}
			}
			h, body, err := readAll(cf.crlf)
			if want, ok := refused[cf.name]; ok {
				if !errors.Is(err, want) {
					t.Fatalf("Read = %v, want %v", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			var out bytes.Buffer
			if _, err := h.WriteTo(&out); err != nil {
				t.Fatal(err)
			}
			out.Write(body)
			if !bytes.Equal(out.Bytes(), cf.crlf) {
				t.Fatalf("no-edit round trip differs")
			}
			checkEditedRoundTrip(t, h, body)
		})
	}
}

// checkEditedRoundTrip prepends, replaces and deletes fields of h, then
// checks that the body is unchanged and every untouched field is written
// byte for byte in its old order.
func checkEditedRoundTrip(t *testing.T, h *Header, body []byte) {
	t.Helper()
	orig := make([][]byte, h.Len())
	for i := range h.Len() {
		orig[i] = h.Field(i).Raw()
	}
	if err := h.Prepend("Received", "from client.example by msa.example with ESMTPSA id 1; Mon, 01 Jan 2024 00:00:00 +0000"); err != nil {
		t.Fatal(err)
	}
	replaced, deleted := -1, -1
	if h.Len() > 2 {
		f, err := NewField("X-Replaced", "yes", false)
		if err != nil {
			t.Fatal(err)
		}
		replaced = 1 // original index 0
		if err := h.ReplaceAt(replaced, f); err != nil {
			t.Fatal(err)
		}
	}
	if h.Len() > 3 {
		deleted = h.Len() - 1 // original index Len-2
		if err := h.DeleteAt(deleted); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if _, err := h.WriteTo(&out); err != nil {
		t.Fatal(err)
	}
	out.Write(body)
	got := out.Bytes()
	if !bytes.HasSuffix(got, body) {
		t.Fatal("body changed after edits")
	}
	// Rebuild what the edited header must be from the original fields.
	var want bytes.Buffer
	want.Write(h.Field(0).Raw())
	for i, raw := range orig {
		switch {
		case i+1 == replaced:
			want.WriteString("X-Replaced: yes\r\n")
		case i+1 == deleted:
		default:
			want.Write(raw)
		}
	}
	if h.HasSeparator() {
		want.WriteString("\r\n")
	}
	want.Write(body)
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("edited message differs from the expected one")
	}
}
