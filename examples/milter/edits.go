package milter

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/header"
)

// origField is one header field as the MTA sent it: its name and the field
// rebuilt as msakit read it ("Name:value\r\n").
type origField struct {
	name string
	raw  []byte
}

// opKind is the milter request of a headerOp.
type opKind uint8

const (
	opInsert opKind = iota // SMFIR_INSHEADER
	opChange               // SMFIR_CHGHEADER with a value
	opDelete               // SMFIR_CHGHEADER with an empty value
)

// headerOp is one header modification for the MTA. For opInsert, index is
// the position in the MTA's whole header list after which the field goes
// (0 puts it on top); for opChange and opDelete it counts, from 1, the
// fields of that name, as SMFIR_CHGHEADER does.
type headerOp struct {
	kind  opKind
	index int
	name  string
	value string // as the field is written after "Name:", CRLF line breaks
}

// headerEdits returns the milter header modifications that turn orig, the
// header the MTA sent, into out, the header msakit returned. msakit's DATA
// stage only prepends fields, replaces fields in place and deletes them
// (header.Header allows nothing else), so an edit script over the fields'
// bytes (diff) finds exactly those edits; a deleted field and an inserted
// one of the same name next to each other are one change in place. Every
// field that is not in the script keeps its bytes in the MTA's copy.
//
// The requests are ordered from the bottom of the header to the top, so
// that each index counts only fields above it, which no earlier request
// has moved: Postfix unlinks a deleted field while Sendmail keeps it
// marked, and both agree on the fields above. hiddenReceived is how many
// Received fields the MTA holds above the first field it sent: Postfix
// never sends milters the Received field it added (1), and counts it in
// both indexes. leadSpace reports SMFIP_HDR_LEADSPC: without it the MTA
// writes "Name: value" and the value loses one leading space here.
func headerEdits(orig []origField, out *header.Header, hiddenReceived int, leadSpace bool) []headerOp {
	a := make([][]byte, len(orig))
	for i, f := range orig {
		a[i] = f.raw
	}
	b := make([][]byte, out.Len())
	for i, f := range out.All() {
		b[i] = f.Raw()
	}
	es := diff(a, b)

	n := len(orig)
	change := make(map[int]int) // a index → b index of its new form
	deleted := make(map[int]bool)
	before := make(map[int][]int) // a index (n: the end) → b indexes inserted before it, in order
	pos := 0                      // a index the walk has reached
	for i := 0; i < len(es); {
		if es[i].kind == editKeep {
			pos = es[i].a + 1
			i++
			continue
		}
		j := i
		var dels, ins []int
		for ; j < len(es) && es[j].kind != editKeep; j++ {
			if es[j].kind == editDel {
				dels = append(dels, es[j].a)
			} else {
				ins = append(ins, es[j].b)
			}
		}
		end := pos + len(dels) // the a index after the run
		// Pair inserted fields with deleted ones of the same name, in
		// order: those are replacements in place.
		paired := make([]int, len(ins)) // a index, or -1
		next := 0
		for k, bi := range ins {
			paired[k] = -1
			name := out.Field(bi).Name()
			for q := next; q < len(dels); q++ {
				if strings.EqualFold(orig[dels[q]].name, name) {
					paired[k] = dels[q]
					next = q + 1
					break
				}
			}
		}
		for _, ai := range dels {
			deleted[ai] = true
		}
		for k, bi := range ins {
			if ai := paired[k]; ai >= 0 {
				delete(deleted, ai)
				change[ai] = bi
				continue
			}
			at := end // before the next paired field, else after the run
			for l := k + 1; l < len(ins); l++ {
				if paired[l] >= 0 {
					at = paired[l]
					break
				}
			}
			before[at] = append(before[at], bi)
		}
		pos = end
		i = j
	}

	var ops []headerOp
	for p := n; p >= 0; p-- {
		if p < n {
			bi, changed := change[p]
			switch {
			case changed:
				name, value := splitField(out.Field(bi), leadSpace)
				idx := nameIndex(orig, p, hiddenReceived)
				if value == "" {
					// An empty value would delete: delete, then insert.
					ops = append(ops, headerOp{kind: opDelete, index: idx, name: orig[p].name},
						headerOp{kind: opInsert, index: hiddenReceived + p, name: name, value: value})
				} else {
					ops = append(ops, headerOp{kind: opChange, index: idx, name: name, value: value})
				}
			case deleted[p]:
				ops = append(ops, headerOp{kind: opDelete, index: nameIndex(orig, p, hiddenReceived), name: orig[p].name})
			}
		}
		ins := before[p]
		for k := len(ins) - 1; k >= 0; k-- {
			name, value := splitField(out.Field(ins[k]), leadSpace)
			ops = append(ops, headerOp{kind: opInsert, index: hiddenReceived + p, name: name, value: value})
		}
	}
	return ops
}

// signatureEdits inserts the fields a submission.Signer made (a
// DKIM-Signature, RFC 6376, Section 5.6), in order, at the very top of the
// MTA's header, above its own Received: where msakit's own server writes
// them (in front of its Received), and where OpenDKIM puts them behind
// Postfix. The fields sign the header msakit returned, which the other
// requests have made the MTA's copy, Received aside (RFC 6376, Section
// 5.4.1 leaves it unsigned). sig is nil, or complete fields each ending in
// CRLF, as submission checks them; anything else is an error (the message
// is then refused with 451 4.3.0 rather than relayed unsigned).
func signatureEdits(sig []byte, leadSpace bool) ([]headerOp, error) {
	if len(sig) == 0 {
		return nil, nil
	}
	h, err := header.Read(bufio.NewReader(bytes.NewReader(append(sig[:len(sig):len(sig)], '\r', '\n'))), header.ReadOptions{MaxSize: -1, MaxFields: -1, MaxLineLen: -1})
	if err != nil {
		return nil, fmt.Errorf("milter: the signature fields: %w", err)
	}
	ops := make([]headerOp, 0, h.Len())
	for i := h.Len() - 1; i >= 0; i-- {
		name, value := splitField(h.Field(i), leadSpace)
		ops = append(ops, headerOp{kind: opInsert, index: 0, name: name, value: value})
	}
	return ops, nil
}

// nameIndex is SMFIR_CHGHEADER's index of orig[p]: its position, from 1,
// among the fields of its name, counting the MTA's hidden Received fields.
func nameIndex(orig []origField, p, hiddenReceived int) int {
	n := 0
	for q := 0; q <= p; q++ {
		if strings.EqualFold(orig[q].name, orig[p].name) {
			n++
		}
	}
	if strings.EqualFold(orig[p].name, "Received") {
		n += hiddenReceived
	}
	return n
}

// splitField returns f's name and what follows its colon up to the final
// CRLF, folding kept; without leadSpace one leading space is dropped, as
// the MTA writes one.
func splitField(f header.Field, leadSpace bool) (name, value string) {
	raw := f.Raw()
	c := bytes.IndexByte(raw, ':')
	v := bytes.TrimSuffix(raw[c+1:], []byte("\r\n"))
	if !leadSpace {
		v = bytes.TrimPrefix(v, []byte(" "))
	}
	return f.Name(), string(v)
}

// apply sends ops to the MTA (end of message only).
func apply(m gomilter.Modifier, ops []headerOp) error {
	for _, op := range ops {
		var err error
		switch op.kind {
		case opInsert:
			err = m.InsertHeader(op.index, op.name, op.value)
		case opChange:
			err = m.ChangeHeader(op.index, op.name, op.value)
		case opDelete:
			err = m.ChangeHeader(op.index, op.name, "")
		}
		if err != nil {
			return err
		}
	}
	return nil
}
