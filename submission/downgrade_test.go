package submission_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"testing"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/msakit/msakit/submission"
)

// downgrade runs submission.Downgrade on msg.
func downgrade(msg string) (string, error) {
	var out bytes.Buffer
	err := submission.Downgrade(&out, strings.NewReader(msg))
	return out.String(), err
}

// mimeLeaf is one leaf body as go-message decodes it.
type mimeLeaf struct {
	media string
	body  []byte
}

// mimeLeaves decodes every leaf of msg with go-message, the independent
// reader the conversion is checked against; a message/rfc822 body is read
// as a message of its own, and a part of multipart/digest without a
// Content-Type is message/rfc822 (RFC 2046, Section 5.1.5).
func mimeLeaves(msg []byte) ([]mimeLeaf, error) {
	e, err := gomessage.Read(bytes.NewReader(msg))
	if err != nil && !gomessage.IsUnknownCharset(err) {
		return nil, err
	}
	var out []mimeLeaf
	err = walkLeaves(e, false, 0, &out)
	return out, err
}

func walkLeaves(e *gomessage.Entity, digest bool, depth int, out *[]mimeLeaf) error {
	mt, _, _ := e.Header.ContentType()
	if digest && !e.Header.Has("Content-Type") {
		mt = "message/rfc822"
	}
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil && !gomessage.IsUnknownCharset(err) {
				return err
			}
			if err := walkLeaves(p, mt == "multipart/digest", depth+1, out); err != nil {
				return err
			}
		}
	}
	body, err := io.ReadAll(e.Body)
	if err != nil {
		return err
	}
	if mt == "message/rfc822" && depth < 100 {
		inner, err := gomessage.Read(bytes.NewReader(body))
		if err == nil || gomessage.IsUnknownCharset(err) {
			var sub []mimeLeaf
			if err := walkLeaves(inner, false, depth+1, &sub); err == nil {
				*out = append(*out, sub...)
				return nil
			}
		}
	}
	*out = append(*out, mimeLeaf{media: mt, body: body})
	return nil
}

// rawLeaf is one leaf entity as it stands in a message, with go-message's
// textproto reading it: its header block as written and its body not
// decoded.
type rawLeaf struct {
	header, body []byte
}

// rawLeaves returns the leaves of msg as rawLeaf values, in the order of
// mimeLeaves. A message/rfc822 body is read as a message when it has an
// identity encoding (RFC 2046, Section 5.2.1); otherwise it is a leaf.
func rawLeaves(msg []byte) ([]rawLeaf, error) {
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		return nil, err
	}
	var out []rawLeaf
	err = walkRaw(h, br, false, 0, &out)
	return out, err
}

func walkRaw(h textproto.Header, body io.Reader, digest bool, depth int, out *[]rawLeaf) error {
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if digest && !h.Has("Content-Type") {
		mt = "message/rfc822"
	}
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := textproto.NewMultipartReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkRaw(p.Header, p, mt == "multipart/digest", depth+1, out); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "", "7bit", "8bit", "binary":
		if mt == "message/rfc822" && depth < 100 {
			br := bufio.NewReader(bytes.NewReader(b))
			if inner, err := textproto.ReadHeader(br); err == nil {
				return walkRaw(inner, br, false, depth+1, out)
			}
		}
	}
	var hb bytes.Buffer
	if err := textproto.WriteHeader(&hb, h); err != nil {
		return err
	}
	*out = append(*out, rawLeaf{header: hb.Bytes(), body: b})
	return nil
}

// checkDowngraded checks the output of a conversion: only octets below
// 128, and go-message decodes the same leaves from it as from in.
func checkDowngraded(t *testing.T, in, out string) {
	t.Helper()
	for i := 0; i < len(out); i++ {
		if out[i] >= 0x80 {
			t.Fatalf("output has octet 0x%02x at %d:\n%s", out[i], i, out)
		}
	}
	want, err := mimeLeaves([]byte(in))
	if err != nil {
		t.Fatalf("go-message cannot read the input: %v", err)
	}
	got, err := mimeLeaves([]byte(out))
	if err != nil {
		t.Fatalf("go-message cannot read the output: %v\n%s", err, out)
	}
	if len(got) != len(want) {
		t.Fatalf("output has %d leaves, input %d:\n%s", len(got), len(want), out)
	}
	for i := range want {
		if !bytes.Equal(got[i].body, want[i].body) {
			t.Errorf("leaf %d (%s) decodes to\n%q\nwant\n%q", i, want[i].media, got[i].body, want[i].body)
		}
	}
}

func TestDowngradeUnchanged(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		crlf(message),
		crlf("From: a@example.org\n\nno final line ending"),
		"",
		crlf("Subject: header only\n"),
		// 7-bit, labelled 8bit and binary: nothing to convert, labels kept.
		crlf(multipartMessage),
		strings.ReplaceAll(crlf(multipartMessage), "ä", "a"),
	} {
		if strings.ContainsFunc(in, func(r rune) bool { return r >= 0x80 }) {
			continue // multipartMessage itself, checked below
		}
		out, err := downgrade(in)
		if err != nil || out != in {
			t.Errorf("Downgrade(%q) = %q, %v, want the input unchanged", in, out, err)
		}
	}
}

// multipartMessage has, in order: a preamble, a mostly-ASCII 8-bit text
// part (quoted-printable), a Cyrillic text part (base64), a part already
// in base64, a 7-bit part labelled 8bit, an 8-bit part with a lone CR and
// LF in an application type (base64), an epilogue.
const multipartMessage = `From: Alice <alice@example.org>
To: Bob <bob@example.com>
Subject: Report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==b1"

This is a MIME message.
--==b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
X-Keep: before

Hello Bob, greetings from Köln: the report is attached, ça va?  
-- 
Alice
--==b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Привет, как дела?
--==b1
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

AAECAwQFBgcICQ==
--==b1  
Content-Type: text/plain
Content-Transfer-Encoding: 8bit

plain ASCII labelled 8bit, kept as it is
--==b1
Content-Type: application/x-data

bytes: ä` + "\r" + `x` + "\n" + `y
--==b1--
epilogue, kept
`

func TestDowngradeMultipart(t *testing.T) {
	t.Parallel()
	in := crlf(multipartMessage)
	// crlf made the lone LF of the last part a CRLF: restore it.
	in = strings.Replace(in, "ä\rx\r\ny", "ä\rx\ny", 1)
	out, err := downgrade(in)
	if err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	checkDowngraded(t, in, out)
	for _, kept := range []string{
		// The message header, the preamble and the first boundary.
		crlf("From: Alice <alice@example.org>\nTo: Bob <bob@example.com>\nSubject: Report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"==b1\"\n\nThis is a MIME message.\n--==b1\n"),
		// The CTE field replaced in place, the others kept around it.
		crlf("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\nX-Keep: before\n\nHello Bob, greetings from K=C3=B6ln: the report is attached, =C3=A7a va? =\n=20\n--=20\nAlice\n--==b1\n"),
		crlf("Content-Transfer-Encoding: base64\n\n0J/RgNC40LLQtdGCLCDQutCw0Log0LTQtdC70LA/\n--==b1\n"),
		// Parts without 8-bit octets, with the padded boundary line.
		crlf("Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAECAwQFBgcICQ==\n--==b1  \nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\nplain ASCII labelled 8bit, kept as it is\n--==b1\n"),
		// A CTE field added at the end; the epilogue.
		crlf("Content-Type: application/x-data\nContent-Transfer-Encoding: base64\n\nYnl0ZXM6IMOkDXgKeQ==\n--==b1--\nepilogue, kept\n"),
	} {
		if !strings.Contains(out, kept) {
			t.Errorf("output lacks %q:\n%s", kept, out)
		}
	}
}

func TestDowngradeNonMIME(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{
			name: "UTF-8",
			in:   crlf("From: a@example.org\nSubject: hi\n\nHällo, this is mostly ASCII\n"),
			want: crlf("From: a@example.org\nSubject: hi\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nH=C3=A4llo, this is mostly ASCII\n"),
		},
		{
			name: "Latin-1: the charset cannot be known",
			in:   crlf("From: a@example.org\n\nH\xe4llo\n"),
			want: crlf("From: a@example.org\nMIME-Version: 1.0\nContent-Type: text/plain; charset=unknown-8bit\nContent-Transfer-Encoding: quoted-printable\n\nH=E4llo\n"),
		},
		{
			name: "no final line ending: a soft line break ends the output",
			in:   crlf("From: a@example.org\n\nH\xc3\xa4llo, this is mostly ASCII "),
			want: crlf("From: a@example.org\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nH=C3=A4llo, this is mostly ASCII=20=\n"),
		},
		{
			name: "MIME-Version but no Content-Type; the old CTE replaced",
			in:   crlf("MIME-Version: 1.0\nContent-Transfer-Encoding:\n 8bit\nFrom: a@example.org\n\n\xd0\x9f\xd1\x80\xd0\xb8\n"),
			want: crlf("MIME-Version: 1.0\nContent-Transfer-Encoding: base64\nFrom: a@example.org\nContent-Type: text/plain; charset=utf-8\n\n0J/RgNC4DQo=\n"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := downgrade(tc.in)
			if err != nil || got != tc.want {
				t.Errorf("Downgrade(%q) =\n%q, %v\nwant\n%q", tc.in, got, err, tc.want)
			}
			checkDowngraded(t, tc.in, got)
		})
	}
}

func TestDowngradeNested(t *testing.T) {
	t.Parallel()
	in := crlf(`MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

a naïve example
--inner
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit

<p>a naïve example</p>
--inner--
--outer
Content-Type: message/rfc822
Content-Transfer-Encoding: 8bit

From: c@example.org
Subject: forwarded

Viele Grüße aus der schönen Stadt am Rhein
--outer
Content-Type: multipart/digest; boundary=dg

--dg

Subject: in a digest

Bön voyage
--dg--
--outer--
`)
	out, err := downgrade(in)
	if err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	checkDowngraded(t, in, out)
	for _, want := range []string{
		crlf("\na na=C3=AFve example\n--inner\n"),
		crlf("\n<p>a na=C3=AFve example</p>\n--inner--\n--outer\n"),
		// The encapsulated message becomes MIME; the outer 8bit label stays
		// (RFC 2045, Section 6.4).
		crlf("Content-Type: message/rfc822\nContent-Transfer-Encoding: 8bit\n\nFrom: c@example.org\nSubject: forwarded\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nViele Gr=C3=BC=C3=9Fe aus der sch=C3=B6nen Stadt am Rhein\n--outer\n"),
		crlf("--dg\n\nSubject: in a digest\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nB=C3=B6n voyage\n--dg--\n"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDowngradeQuotedPrintableWith8Bit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 70) + "é-é"
	in := crlf("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf\xc3\xa9 =3D 5=\n=XY\n" + long + "\n")
	out, err := downgrade(in)
	if err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	want := crlf("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =3D 5=\n=XY\n" +
		strings.Repeat("x", 70) + "=C3=\n=A9-=C3=A9\n")
	if out != want {
		t.Errorf("Downgrade =\n%q\nwant\n%q", out, want)
	}
	checkDowngraded(t, in, out)
}

// A part longer than the 64 KiB look-ahead is read twice; the decision
// still covers its last octet.
func TestDowngradeLongPart(t *testing.T) {
	t.Parallel()
	text := strings.Repeat("a line of plain ASCII text, long enough to matter\r\n", 2000) + "and one ü at the end\r\n"
	in := crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n") +
		text + crlf("--b\nContent-Type: text/plain\n\n") + strings.Repeat("ascii\r\n", 20000) + crlf("--b--\n")
	// Offset 5 of the reader: Downgrade starts where the reader is.
	r := strings.NewReader("junk\n" + in)
	if _, err := r.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := submission.Downgrade(&buf, r); err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	out := buf.String()
	checkDowngraded(t, in, out)
	if !strings.Contains(out, crlf("Content-Transfer-Encoding: quoted-printable\n\na line of")) ||
		!strings.Contains(out, crlf("and one =C3=BC at the end\n--b\nContent-Type: text/plain\n\nascii\n")) {
		t.Errorf("long part not converted as expected")
	}
	if !strings.HasSuffix(out, crlf("\n--b\nContent-Type: text/plain\n\n")+strings.Repeat("ascii\r\n", 20000)+crlf("--b--\n")) {
		t.Errorf("long 7-bit part not kept")
	}
}

func TestDowngradeRefused(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n", 60) + "\r\nü\r\n"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"8-bit Subject", crlf("Subject: Grüße\n\nbody ü\n"), submission.ErrDowngradeHeader},
		{"8-bit Subject, 7-bit body", crlf("Subject: Grüße\n\nbody\n"), submission.ErrDowngradeHeader},
		{"8-bit filename in a part header", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Disposition: attachment; filename=\"é.txt\"\n\nx\n--b--\n"), submission.ErrDowngradeHeader},
		{"8-bit in a base64 body", crlf("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nQUJD\xc3\xa9\n"), submission.ErrDowngradeEncoding},
		{"unknown encoding", crlf("Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\n\xc3\xa9\n"), submission.ErrDowngradeEncoding},
		{"8-bit preamble", crlf("Content-Type: multipart/mixed; boundary=b\n\npréambule\n--b\n\nx\n--b--\n"), submission.ErrDowngradeEncoding},
		{"8-bit epilogue", crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\népilogue\n"), submission.ErrDowngradeEncoding},
		{"multipart without boundary", crlf("Content-Type: multipart/mixed\n\n\xc3\xa9\n"), submission.ErrDowngradeEncoding},
		{"message/partial", crlf("Content-Type: message/partial; id=x; number=1\n\n\xc3\xa9\n"), submission.ErrDowngradeEncoding},
		{"too deep", deep, submission.ErrDowngradeLimit},
		{"header block over 1 MiB", "X: " + strings.Repeat("a", 1<<20) + "\r\n\r\n\xc3\xa9", submission.ErrDowngradeLimit},
		{"long quoted-printable line", crlf("Content-Transfer-Encoding: quoted-printable\n\n") + strings.Repeat("é", 3000) + "\r\n", submission.ErrDowngradeLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := downgrade(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Downgrade = %v, want %v", err, tc.want)
			}
			r, internal := submission.ReplyFor(submission.StageData, err)
			if internal || r.Code != 554 || r.EnhancedCode() != "5.6.3" {
				t.Errorf("ReplyFor(%v) = %v (internal %v), want 554 5.6.3", err, r, internal)
			}
		})
	}
}

// Errors of the reader or the writer are not the client's: ReplyFor makes
// them 451 4.3.0, internal.
func TestDowngradeIOError(t *testing.T) {
	t.Parallel()
	in := crlf("From: a@example.org\n\nHällo\n")
	err := submission.Downgrade(failWriter{}, strings.NewReader(in))
	if err == nil {
		t.Fatal("Downgrade to a failing writer succeeded")
	}
	if r, internal := submission.ReplyFor(submission.StageData, err); !internal || r.Code != 451 || r.EnhancedCode() != "4.3.0" {
		t.Errorf("ReplyFor(%v) = %v (internal %v), want 451 4.3.0 internal", err, r, internal)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// FuzzDowngrade: Downgrade never panics and, on any input, either refuses
// with one of its errors or writes 7-bit output no more than a constant
// factor larger than the input. A 7-bit input comes out unchanged. For an
// input in SMTP form (CRLF line endings) that go-message can read, go-message
// reads the output too, and every leaf decodes to the octets it had.
func FuzzDowngrade(f *testing.F) {
	for _, s := range []string{
		crlf(message),
		crlf(multipartMessage),
		crlf("From: a@example.org\n\nH\xe4llo\n"),
		crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\n\xc3\xa9\n--b\nContent-Type: message/rfc822\n\nSubject: x\n\n\xff\n--b--\n"),
		crlf("Content-Type: multipart/digest; boundary=b\n\n--b\n\nSubject: x\n\n\xff\n--b--\n"),
		crlf("Content-Transfer-Encoding: quoted-printable\n\n=C3\xa9 =\n-x\n"),
		crlf("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\n\xe9\n--a--\n"),
		"Content-Type: text/plain\n\n\xe9\r--x\n",
		strings.Repeat("-", 80) + "\r\n\r\n" + strings.Repeat("\xe9-", 50),
		// SMTP form, one part to convert and one to keep byte for byte.
		crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nK\xc3\xb6ln\n" +
			"--b\ncontent-type: Text/Plain;\n  charset=us-ascii\nX-Keep:  as is \n\nplain  ASCII \n--b\nContent-Type: message/rfc822\n\nSubject: inner\n\nk\xc3\xb6\n--b--\n"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := downgrade(in)
		if err != nil {
			if !errors.Is(err, submission.ErrDowngradeHeader) && !errors.Is(err, submission.ErrDowngradeEncoding) && !errors.Is(err, submission.ErrDowngradeLimit) {
				t.Fatalf("Downgrade(%q) = %v, not one of its errors", in, err)
			}
			return
		}
		if len(out) > 16*len(in)+256 {
			t.Fatalf("Downgrade(%q) wrote %d octets for %d", in, len(out), len(in))
		}
		is7 := true
		for i := 0; i < len(in); i++ {
			is7 = is7 && in[i] < 0x80
		}
		if is7 && out != in {
			t.Fatalf("Downgrade(%q) = %q, want the 7-bit input unchanged", in, out)
		}
		for i := 0; i < len(out); i++ {
			if out[i] >= 0x80 {
				t.Fatalf("Downgrade(%q) = %q: octet 0x%02x at %d", in, out, out[i], i)
			}
		}
		if strings.Count(in, "\n") != strings.Count(in, "\r\n") || strings.Count(in, "\r") != strings.Count(in, "\r\n") {
			return // not SMTP form: line splitting differs between readers
		}
		want, err := mimeLeaves([]byte(in))
		if err != nil {
			return
		}
		got, err := mimeLeaves([]byte(out))
		if err != nil {
			t.Fatalf("go-message reads the input of Downgrade but not its output %q: %v", out, err)
		}
		if len(got) != len(want) {
			t.Fatalf("Downgrade(%q) = %q: %d leaves, want %d", in, out, len(got), len(want))
		}
		for i := range want {
			if !bytes.Equal(got[i].body, want[i].body) {
				t.Fatalf("Downgrade(%q) = %q: leaf %d decodes to %q, want %q", in, out, i, got[i].body, want[i].body)
			}
		}
		// A part with nothing to convert stays byte for byte: header and
		// body as they were.
		rawIn, err := rawLeaves([]byte(in))
		if err != nil {
			return
		}
		rawOut, err := rawLeaves([]byte(out))
		if err != nil {
			t.Fatalf("go-message's textproto reads the input of Downgrade but not its output %q: %v", out, err)
		}
		if len(rawOut) != len(rawIn) {
			t.Fatalf("Downgrade(%q) = %q: %d raw leaves, want %d", in, out, len(rawOut), len(rawIn))
		}
		for i, l := range rawIn {
			if bytes.IndexFunc(l.body, func(r rune) bool { return r >= 0x80 }) >= 0 {
				continue // converted
			}
			if !bytes.Equal(rawOut[i].header, l.header) || !bytes.Equal(rawOut[i].body, l.body) {
				t.Fatalf("Downgrade(%q) = %q: leaf %d, which has no 8-bit octet, changed from\n%q%q\nto\n%q%q",
					in, out, i, l.header, l.body, rawOut[i].header, rawOut[i].body)
			}
		}
	})
}

// A soft line break must not start a line that reads as a boundary
// delimiter: the "-" after it is encoded.
func TestDowngradeSoftBreakBeforeBoundary(t *testing.T) {
	t.Parallel()
	// "é" is 6 characters encoded, so the 75-character limit falls just
	// before "--b", which ends the line.
	in := crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n\xc3\xa9" +
		strings.Repeat("a", 69) + "--b\n--b--\n")
	out, err := downgrade(in)
	if err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	if !strings.Contains(out, "=\r\n=2D-b\r\n--b--") {
		t.Errorf("output:\n%s", out)
	}
	checkDowngraded(t, in, out)
}

// A nested multipart that is never closed ends at the enclosing boundary
// (RFC 2046, Section 5.1.1: a delimiter cannot occur inside a part), as
// Python's email package reads it: the next outer part is converted with
// its own header.
func TestDowngradeUnclosedInnerMultipart(t *testing.T) {
	t.Parallel()
	in := crlf("Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\nContent-Type: text/plain\n\nASCII only\n--o\n" +
		"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nthe second outer part, naïve\n--o--\n")
	out, err := downgrade(in)
	if err != nil {
		t.Fatalf("Downgrade: %v", err)
	}
	want := crlf("--i\nContent-Type: text/plain\n\nASCII only\n--o\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nthe second outer part, na=C3=AFve\n--o--\n")
	if !strings.HasSuffix(out, want) {
		t.Errorf("Downgrade =\n%s\nwant it to end with\n%s", out, want)
	}
}
