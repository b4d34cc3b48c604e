package submission_test

import (
	"bufio"
	"bytes"
	"fmt"

	"io"
	"strings"
	"testing"
	"time"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"

	"github.com/msakit/msakit/submission"
)

// BenchmarkSessionMailRcpt: MAIL plus one RCPT of an authenticated ASCII
// transaction, then RSET: /default under the default profile (a hostname
// and an authenticator), /senders with the test fixture's Senders, an
// AuthWindow-free site policy callback that makes MAIL and RCPT run under
// a stage deadline (Config.StageTimeout). It also reports the median time
// of MAIL plus RCPT alone (median-ns/mailrcpt, issue 15: under 1 µs),
// which a loaded machine disturbs much less than the mean: an interval of
// a microsecond is rarely preempted.
func BenchmarkSessionMailRcpt(b *testing.B) {
	for _, tc := range []struct {
		name    string
		session func(*testing.B) *submission.Session
	}{
		{"default", costSession},
		{"senders", func(b *testing.B) *submission.Session {
			return newFixture(b, func(c *submission.Config) { c.Logger = nil }).session()
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := tc.session(b)
			ctx := b.Context()
			var times []float64
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
					b.Fatal(err)
				}
				if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
					b.Fatal(err)
				}
				times = append(times, float64(time.Since(t0)))
				s.Reset()
			}
			b.ReportMetric(median(times), "median-ns/mailrcpt")
		})
	}
}

// typicalHeader is a 2.6 KB header such as a mail client submits after a
// reply in a thread: folded recipients, references, MIME fields.
var typicalHeader = crlf(`From: Alice Example <alice@example.org>
To: Bob Example <bob@example.com>, Carol Example <carol@example.com>,
 Dave Example <dave@example.com>, "Eve, the Auditor" <eve@example.com>
Cc: team@example.org, Frank Example <frank@example.net>
Subject: Re: Quarterly planning: agenda for Thursday's meeting and the
 documents to read beforehand
Date: Mon, 23 Nov 2026 19:58:00 +0000
Message-ID: <20261123195800.ab12cd34@laptop.example.org>
In-Reply-To: <20261122101500.98765@mail.example.com>
References: <20261120083000.11111@mail.example.com>
 <20261121091500.22222@mail.example.com>
 <20261121120000.33333@laptop.example.org>
 <20261122101500.98765@mail.example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="------------b0undary0123456789"
Content-Language: en-US
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101
 Thunderbird/128.4.0
Autocrypt: addr=alice@example.org; keydata=
 xjMEZxyz1hYJKwYBBAHaRw8BAQdAabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ
 KLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUV
 WXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh
 ijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst
 uvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012345
 6789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH
 IJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRST
 UVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef
Thread-Topic: Quarterly planning
Thread-Index: AQHbPXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH==
X-Mailer-Info: composed offline, sent on reconnect
Disposition-Notification-To: Alice Example <alice@example.org>
Organization: Example Organisation, Planning Department
Keywords: planning, quarterly, agenda
Comments: This message was written on a train with bad connectivity, and
 the client retried the submission twice.
X-Priority: 3
Importance: normal
List-Unsubscribe: <mailto:unsubscribe@example.org?subject=unsubscribe>
X-Forwarded-Info: none
X-Client-Tracking: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789
 abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123
 456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd
 ef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567

`)

// BenchmarkSessionData: the whole default DATA pipeline (MAIL, RCPT, Data,
// reading the message out) on a typical header with a one-line body,
// against go-message textproto.ReadHeader plus WriteHeader alone on the
// same bytes: what any header-preserving pipeline must at least do.
func BenchmarkSessionData(b *testing.B) {
	msg := typicalHeader + "Thanks, see you Thursday.\r\n"
	b.Run("msakit", func(b *testing.B) {
		f := newFixture(b, func(c *submission.Config) { c.Logger = nil; c.Trace = submission.TraceSinkFunc(nopTrace) })
		b.SetBytes(int64(len(msg)))
		benchSubmit(b, f.session(), msg)
	})
	b.Run("go-message", func(b *testing.B) {
		var in strings.Reader
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			in.Reset(msg)
			br := bufio.NewReader(&in)
			h, err := textproto.ReadHeader(br)
			if err != nil {
				b.Fatal(err)
			}
			if err := textproto.WriteHeader(io.Discard, h); err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, br); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchSubmit submits msg from alice to bob through s in a loop (MAIL,
// RCPT, Data, the message read out), reporting allocations.
func benchSubmit(b *testing.B, s *submission.Session, msg string) {
	ctx := b.Context()
	var in strings.Reader
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
			b.Fatal(err)
		}
		if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
			b.Fatal(err)
		}
		in.Reset(msg)
		r, err := s.Data(ctx, &in)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBodyStream: streaming a 10 MB body through the reader Data
// returns (every body check on), against bufio.Scanner splitting the same
// bytes into lines.
func BenchmarkBodyStream(b *testing.B) {
	hdr := crlf(message[:strings.Index(message, "\n\n")+2])
	const size = 10 << 20
	body, _ := io.ReadAll(&bodyGen{left: size})
	b.Run("msakit", func(b *testing.B) {
		f := newFixture(b, func(c *submission.Config) {
			c.Logger = nil
			c.MaxSize = -1
			c.Trace = submission.TraceSinkFunc(nopTrace)
		})
		s := f.session()
		ctx := b.Context()
		var hr strings.Reader
		var br bytes.Reader
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
				b.Fatal(err)
			}
			if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
				b.Fatal(err)
			}
			hr.Reset(hdr)
			br.Reset(body)
			r, err := s.Data(ctx, io.MultiReader(&hr, &br))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bufio-lines", func(b *testing.B) {
		var hr strings.Reader
		var br bytes.Reader
		b.SetBytes(size)
		b.ReportAllocs()
		for b.Loop() {
			hr.Reset(hdr)
			br.Reset(body)
			sc := bufio.NewScanner(io.MultiReader(&hr, &br))
			n := 0
			for sc.Scan() {
				n += len(sc.Bytes())
			}
			if err := sc.Err(); err != nil || n == 0 {
				b.Fatal(err, n)
			}
		}
	})
}

// BenchmarkSessionDataSizes: the whole DATA pipeline (MAIL, RCPT, Data,
// reading the message out) with 1 KiB, 1 MiB and 32 MiB bodies;
// allocations do not grow with the body.
func BenchmarkSessionDataSizes(b *testing.B) {
	hdr := crlf(message[:strings.Index(message, "\n\n")+2])
	for _, size := range []int64{1 << 10, 1 << 20, 32 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			f := newFixture(b, func(c *submission.Config) {
				c.Logger = nil
				c.MaxSize = -1
				c.Trace = submission.TraceSinkFunc(nopTrace)
			})
			s := f.session()
			ctx := b.Context()
			var hr strings.Reader
			var g bodyGen
			b.SetBytes(int64(len(hdr)) + size)
			b.ReportAllocs()
			for b.Loop() {
				if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
					b.Fatal(err)
				}
				if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
					b.Fatal(err)
				}
				hr.Reset(hdr)
				g = bodyGen{left: size}
				r, err := s.Data(ctx, io.MultiReader(&hr, &g))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// downgradeInputs are the messages BenchmarkDowngrade converts, each about
// 1 MiB: a 7-bit message (copied unchanged), a multipart with a German text
// part (quoted-printable) and an 8-bit attachment (base64), and a Russian
// text (base64).
func downgradeInputs() []struct{ name, msg string } {
	head := "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: Report\r\n" +
		"Date: Mon, 23 Nov 2026 19:58:00 +0000\r\nMessage-ID: <r1@example.org>\r\nMIME-Version: 1.0\r\n"
	german := strings.Repeat("Sehr geehrte Damen und Herren, anbei der Bericht über das Jahr; Grüße aus Köln.\r\n", 6500)
	attach := make([]byte, 0, 512<<10)
	for i := 0; len(attach) < 512<<10; i++ {
		attach = append(attach, byte(i*7), byte(i), '\r', '\n')
	}
	russian := strings.Repeat("Добрый день, посылаю отчёт за год; с уважением, Алиса.\r\n", 10000)
	ascii := strings.Repeat("Dear all, please find the yearly report attached; regards from Cologne.\r\n", 14000)
	return []struct{ name, msg string }{
		{"7bit", head + "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + ascii},
		{"mixed", head + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + german +
			"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + string(attach) + "\r\n--b--\r\n"},
		{"russian", head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + russian},
	}
}

// BenchmarkDowngrade: Downgrade beside go-message's own pass over the same
// message: read and write it back (what go-message offers to re-encode a
// message), and a walk that decodes every part.
func BenchmarkDowngrade(b *testing.B) {
	for _, in := range downgradeInputs() {
		b.Run(in.name+"/msakit", func(b *testing.B) {
			r := strings.NewReader(in.msg)
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				r.Reset(in.msg)
				if err := submission.Downgrade(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(in.name+"/go-message-writeto", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				if err := readEntity(b, in.msg).WriteTo(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(in.name+"/go-message-walk", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.msg)))
			for b.Loop() {
				err := readEntity(b, in.msg).Walk(func(_ []int, p *gomessage.Entity, err error) error {
					if err != nil {
						return err
					}
					if p.MultipartReader() == nil {
						_, err = io.Copy(io.Discard, p.Body)
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func readEntity(b *testing.B, msg string) *gomessage.Entity {
	e, err := gomessage.Read(strings.NewReader(msg))
	if err != nil {
		b.Fatal(err)
	}
	return e
}
