package milter

import (
	"bufio"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/msakit/msakit/header"
)

// FuzzParams: any argument string parses without panic, in linear time,
// and what it yields is well formed: a known BODY value, a non-negative
// SIZE, NOTIFY values within the bound.
func FuzzParams(f *testing.F) {
	for _, s := range []string{"", "SIZE=100 BODY=8BITMIME", "AUTH=<> RET=FULL ENVID=a+2Bb", "NOTIFY=SUCCESS,DELAY ORCPT=rfc822;x+40y", strings.Repeat("NOTIFY=,,,, ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, args string) {
		start := time.Now()
		m := mailOptions(args)
		r := rcptOptions(args)
		if m.Size < 0 {
			t.Fatalf("negative size %d", m.Size)
		}
		switch m.Body {
		case "", "7BIT", "8BITMIME", "BINARYMIME":
		default:
			t.Fatalf("BODY %q", m.Body)
		}
		if len(r.Notify) > maxArgs {
			t.Fatalf("%d NOTIFY values", len(r.Notify))
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%d octets took %v", len(args), d)
		}
	})
}

// FuzzDecodeXtext: decoding is the inverse of encoding (RFC 3461, Section
// 4), and what decodes came from printable US-ASCII only.
func FuzzDecodeXtext(f *testing.F) {
	for _, s := range []string{"", "a+2Bb", "+", "+zz", "user+40example.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := decodeXtext(s)
		if !ok {
			return
		}
		var b strings.Builder
		for i := 0; i < len(d); i++ {
			c := d[i]
			if c < '!' || c > '~' || c == '+' || c == '=' {
				b.WriteString("+" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
			} else {
				b.WriteByte(c)
			}
		}
		if again, ok := decodeXtext(b.String()); !ok || again != d {
			t.Fatalf("decodeXtext(%q) = %q, encoded %q decodes to %q, %v", s, d, b.String(), again, ok)
		}
	})
}

// FuzzHeaderEdits: for a header and an edited copy built from the fuzzer's
// input by msakit-style edits, the milter requests rebuild the copy on the
// MTA's side.
func FuzzHeaderEdits(f *testing.F) {
	f.Add("From: a\r\nTo: b\r\nDate: c\r\n", "pDate: x\r\n|r1Date: y\r\n|d0")
	f.Add("Bcc: x\r\nBcc: y\r\n", "d1|d0|pBcc: z\r\n")
	f.Fuzz(func(t *testing.T, block, script string) {
		if !utf8.ValidString(block) || len(block) > 4096 || len(script) > 1024 {
			return
		}
		orig, err := header.Read(bufio.NewReader(strings.NewReader(block+"\r\n")), header.ReadOptions{})
		if err != nil {
			return
		}
		var of []origField
		for _, fl := range orig.All() {
			of = append(of, origField{name: fl.Name(), raw: append([]byte(nil), fl.Raw()...)})
		}
		out, _ := header.Read(bufio.NewReader(strings.NewReader(block+"\r\n")), header.ReadOptions{})
		for step := range strings.SplitSeq(script, "|") {
			if step == "" {
				continue
			}
			arg := step[1:]
			switch step[0] {
			case 'p': // prepend a field given in full
				name, value, ok := strings.Cut(strings.TrimSuffix(arg, "\r\n"), ":")
				if ok {
					_ = out.Prepend(name, value)
				}
			case 'r', 'd': // replace or delete the field at an index
				if arg == "" || out.Len() == 0 {
					continue
				}
				i := int(arg[0]-'0') % out.Len()
				if i < 0 {
					continue
				}
				if step[0] == 'd' {
					_ = out.DeleteAt(i)
				} else if nf, err := header.NewField(out.Field(i).Name(), arg[1:], true); err == nil {
					_ = out.ReplaceAt(i, nf)
				}
			}
		}
		var b strings.Builder
		for _, fl := range out.All() {
			b.Write(fl.Raw())
		}
		want := b.String()
		out, err = header.Read(bufio.NewReader(strings.NewReader(want+"\r\n")), header.ReadOptions{MaxSize: -1, MaxFields: -1, MaxLineLen: -1})
		if err != nil {
			t.Fatalf("edited header does not read back: %v", err)
		}
		ops := headerEdits(of, out, 1, true)
		m := newMTAHeader(of, 1)
		m.apply(t, ops)
		if got := m.text(1); got != want {
			t.Fatalf("requests %+v\nrebuilt %q\nwant    %q", ops, got, want)
		}
	})
}
