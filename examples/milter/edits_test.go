package milter

import (
	"bufio"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/msakit/msakit/header"
)

// mtaHeader models an MTA's header list as Postfix keeps it: hidden
// Received fields on top that the milter never saw, then the fields sent.
// It applies milter header requests with Postfix's semantics: an insert
// index counts every field above (0 is the top), a change index counts
// the fields of that name, and a deleted field leaves the list.
type mtaHeader struct {
	names, values []string
}

func newMTAHeader(orig []origField, hidden int) *mtaHeader {
	h := &mtaHeader{}
	for range hidden {
		h.names = append(h.names, "Received")
		h.values = append(h.values, " from mta")
	}
	for _, f := range orig {
		_, v, _ := strings.Cut(string(f.raw), ":")
		h.names = append(h.names, f.name)
		h.values = append(h.values, strings.TrimSuffix(v, "\r\n"))
	}
	return h
}

func (h *mtaHeader) apply(t testing.TB, ops []headerOp) {
	t.Helper()
	for _, op := range ops {
		switch op.kind {
		case opInsert:
			i := min(op.index, len(h.names))
			h.names = slices.Insert(h.names, i, op.name)
			h.values = slices.Insert(h.values, i, op.value)
		case opChange, opDelete:
			n := 0
			found := false
			for i, name := range h.names {
				if !strings.EqualFold(name, op.name) {
					continue
				}
				if n++; n != op.index {
					continue
				}
				found = true
				if op.kind == opDelete {
					h.names = slices.Delete(h.names, i, i+1)
					h.values = slices.Delete(h.values, i, i+1)
				} else {
					h.names[i], h.values[i] = op.name, op.value
				}
				break
			}
			if !found {
				t.Fatalf("request %+v names no field", op)
			}
		}
	}
}

// text renders the fields after the hidden ones.
func (h *mtaHeader) text(hidden int) string {
	var b strings.Builder
	for i := hidden; i < len(h.names); i++ {
		b.WriteString(h.names[i] + ":" + h.values[i] + "\r\n")
	}
	return b.String()
}

// fields splits a CRLF header block into origFields.
func fields(t testing.TB, block string) []origField {
	t.Helper()
	h := readHeader(t, block)
	var out []origField
	for _, f := range h.All() {
		out = append(out, origField{name: f.Name(), raw: append([]byte(nil), f.Raw()...)})
	}
	return out
}

func readHeader(t testing.TB, block string) *header.Header {
	t.Helper()
	h, err := header.Read(bufio.NewReader(strings.NewReader(block+"\r\n")), header.ReadOptions{})
	if err != nil {
		t.Fatalf("header.Read(%q): %v", block, err)
	}
	return h
}

func (h *mtaHeader) String() string { return h.text(0) }

// TestHeaderEdits: the requests turn the MTA's copy into msakit's header,
// are as few as the edits, and place prepended fields below the MTA's
// hidden Received.
func TestHeaderEdits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		orig   string
		out    string
		hidden int
		want   []headerOp
	}{
		{
			name:   "unchanged",
			orig:   "From: a@example.org\r\nTo: b@example.net\r\n",
			out:    "From: a@example.org\r\nTo: b@example.net\r\n",
			hidden: 1,
		},
		{
			name:   "prepend two below Postfix's Received",
			orig:   "From: a@example.org\r\nTo: b@example.net\r\n",
			out:    "Message-ID: <1@x>\r\nDate: Mon, 23 Nov 2026 20:00:00 +0000\r\nFrom: a@example.org\r\nTo: b@example.net\r\n",
			hidden: 1,
			want: []headerOp{
				{kind: opInsert, index: 1, name: "Date", value: " Mon, 23 Nov 2026 20:00:00 +0000"},
				{kind: opInsert, index: 1, name: "Message-ID", value: " <1@x>"},
			},
		},
		{
			name:   "prepend at the top without hidden fields",
			orig:   "From: a@example.org\r\n",
			out:    "Date: d\r\nFrom: a@example.org\r\n",
			hidden: 0,
			want:   []headerOp{{kind: opInsert, index: 0, name: "Date", value: " d"}},
		},
		{
			name:   "replace in place, second of its name",
			orig:   "Received: r1\r\nFrom: a@example.org\r\nDate: bad\r\nTo: b@example.net\r\nDate: also bad\r\n",
			out:    "Received: r1\r\nFrom: a@example.org\r\nDate: bad\r\nTo: b@example.net\r\nDate: good\r\n\tfolded\r\n",
			hidden: 1,
			want:   []headerOp{{kind: opChange, index: 2, name: "Date", value: " good\r\n\tfolded"}},
		},
		{
			name:   "delete Bcc, keep the rest",
			orig:   "From: a@example.org\r\nBcc: c@example.net\r\nTo: b@example.net\r\nbcc: d@example.net\r\n",
			out:    "From: a@example.org\r\nTo: b@example.net\r\n",
			hidden: 1,
			want: []headerOp{
				{kind: opDelete, index: 2, name: "bcc"},
				{kind: opDelete, index: 1, name: "Bcc"},
			},
		},
		{
			name:   "a Received of the client counts Postfix's own",
			orig:   "Received: from client\r\nFrom: a@example.org\r\n",
			out:    "Received: from client, changed\r\nFrom: a@example.org\r\n",
			hidden: 1,
			want:   []headerOp{{kind: opChange, index: 2, name: "Received", value: " from client, changed"}},
		},
		{
			name:   "everything at once",
			orig:   "From: x@example.org\r\nBcc: c@example.net\r\nSubject: s\r\nDate: bad\r\n",
			out:    "Sender: a@example.org\r\nMessage-ID: <2@x>\r\nFrom: y@example.org\r\nSubject: s\r\nDate: good\r\n",
			hidden: 1,
			want: []headerOp{
				{kind: opChange, index: 1, name: "Date", value: " good"},
				{kind: opDelete, index: 1, name: "Bcc"},
				{kind: opChange, index: 1, name: "From", value: " y@example.org"},
				{kind: opInsert, index: 1, name: "Message-ID", value: " <2@x>"},
				{kind: opInsert, index: 1, name: "Sender", value: " a@example.org"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			orig := fields(t, tc.orig)
			out := readHeader(t, tc.out)
			ops := headerEdits(orig, out, tc.hidden, true)
			if !slices.Equal(ops, tc.want) {
				t.Errorf("headerEdits =\n%+v\nwant\n%+v", ops, tc.want)
			}
			m := newMTAHeader(orig, tc.hidden)
			m.apply(t, ops)
			if got := m.text(tc.hidden); got != tc.out {
				t.Errorf("the MTA's header after the requests:\n%s\nwant\n%s", got, tc.out)
			}
			for i := range tc.hidden {
				if m.names[i] != "Received" || m.values[i] != " from mta" {
					t.Errorf("field %d is %s:%s, want the MTA's own Received", i, m.names[i], m.values[i])
				}
			}
		})
	}
}

// TestHeaderEditsNoLeadSpace: without SMFIP_HDR_LEADSPC the MTA writes
// "Name: value", so one leading space is left out of the value.
func TestHeaderEditsNoLeadSpace(t *testing.T) {
	t.Parallel()
	ops := headerEdits(fields(t, "From: a@example.org\r\n"), readHeader(t, "Date: d\r\nFrom: a@example.org\r\n"), 0, false)
	want := []headerOp{{kind: opInsert, index: 0, name: "Date", value: "d"}}
	if !slices.Equal(ops, want) {
		t.Fatalf("headerEdits = %+v, want %+v", ops, want)
	}
}

// TestHeaderEditsRandom: for random headers and random msakit-style edits
// (prepend, replace in place, delete; never a move), the requests rebuild
// the edited header on the MTA's side, and never touch more fields than
// were edited.
func TestHeaderEditsRandom(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"From", "To", "Cc", "Bcc", "Date", "Received", "Subject", "X-A"}
	for iter := range 2000 {
		n := rng.IntN(12)
		var orig []string
		for range n {
			name := names[rng.IntN(len(names))]
			orig = append(orig, name+": v"+strconv.Itoa(rng.IntN(3))+"\r\n")
		}
		out := slices.Clone(orig)
		edits := rng.IntN(5)
		for range edits {
			switch k := rng.IntN(3); {
			case k == 0 || len(out) == 0:
				out = slices.Insert(out, 0, names[rng.IntN(len(names))]+": new"+strconv.Itoa(rng.IntN(3))+"\r\n")
			case k == 1:
				i := rng.IntN(len(out))
				name, _, _ := strings.Cut(out[i], ":")
				out[i] = name + ": changed" + strconv.Itoa(rng.IntN(3)) + "\r\n"
			default:
				i := rng.IntN(len(out))
				out = slices.Delete(out, i, i+1)
			}
		}
		hidden := rng.IntN(2)
		of := fields(t, strings.Join(orig, ""))
		ops := headerEdits(of, readHeader(t, strings.Join(out, "")), hidden, true)
		if len(ops) > 2*edits {
			t.Fatalf("iteration %d: %d requests for %d edits:\n%q\n->\n%q\n%+v", iter, len(ops), edits, orig, out, ops)
		}
		m := newMTAHeader(of, hidden)
		m.apply(t, ops)
		if got, want := m.text(hidden), strings.Join(out, ""); got != want {
			t.Fatalf("iteration %d:\n%q\n->\n%q\nrequests %+v\ngot %q", iter, orig, out, ops, got)
		}
	}
}

// TestDiffBounded: lists with nothing in common beyond maxEditDistance
// are replaced as a whole, still correctly.
func TestDiffBounded(t *testing.T) {
	t.Parallel()
	var a, b [][]byte
	for i := range 200 {
		a = append(a, []byte("A: "+strconv.Itoa(i)+"\r\n"))
		b = append(b, []byte("B: "+strconv.Itoa(i)+"\r\n"))
	}
	es := diff(a, b)
	dels, ins := 0, 0
	for _, e := range es {
		switch e.kind {
		case editDel:
			dels++
		case editIns:
			ins++
		case editKeep:
			t.Fatalf("keep in a script between lists with nothing in common: %+v", e)
		}
	}
	if dels != 200 || ins != 200 {
		t.Fatalf("%d deletions and %d insertions, want 200 each", dels, ins)
	}
}
