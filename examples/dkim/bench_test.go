package dkim_test

import (
	"bytes"
	"context"
	"crypto"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/submission"
)

// benchCase is one message to sign with one key: the final header as msakit
// hands it to the signer, the body, and both as one message for dkim.Sign.
type benchCase struct {
	name   string
	signer *dkim.Signer
	opts   *msgauth.SignOptions // the same signature, for dkim.Sign
	req    submission.SignRequest
	body   []byte
	whole  []byte
}

func benchCases(b *testing.B) []benchCase {
	b.Helper()
	org := envelope.MustParseDomain("example.org")
	author := []envelope.Mailbox{envelope.MustParseMailbox("alice@example.org")}
	hdr := []byte("Received: from client.example.org ([192.0.2.1]) by msa.example.org with ESMTPSA\r\n" +
		" id 2faxsid52ey3idaiceka for <bob@example.com>; Mon, 23 Nov 2026 20:00:00 +0000\r\n" +
		"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.com>\r\nSubject: benchmark\r\n" +
		"Date: Mon, 23 Nov 2026 19:58:00 +0000\r\nMessage-ID: <bench@example.org>\r\n\r\n")
	h, err := header.Read(bufioReader(hdr), header.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var out []benchCase
	for _, k := range []struct {
		name string
		key  testKey
	}{{"rsa2048", keyRSA}, {"ed25519", keyEd25519}} {
		signer := loadKey(b, k.key)
		s, err := dkim.New(dkim.Config{Keys: []dkim.Key{{Domain: org, Selector: "s", Signer: signer}}})
		if err != nil {
			b.Fatal(err)
		}
		for _, size := range []int{1 << 10, 1 << 20} {
			body, err := io.ReadAll(dkimtest.Body(int64(size)))
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, benchCase{
				name:   fmt.Sprintf("%s/%dKiB", k.name, size>>10),
				signer: s,
				opts:   signOptions(signer),
				req:    submission.SignRequest{Authors: author, Header: h},
				body:   body,
				whole:  slices.Concat(hdr, body),
			})
		}
	}
	return out
}

// signOptions is what Signer passes go-msgauth for the benchmark's header.
func signOptions(k crypto.Signer) *msgauth.SignOptions {
	return &msgauth.SignOptions{
		Domain: "example.org", Selector: "s", Signer: k, Hash: crypto.SHA256,
		HeaderCanonicalization: msgauth.CanonicalizationRelaxed,
		BodyCanonicalization:   msgauth.CanonicalizationRelaxed,
		HeaderKeys:             []string{"From", "From", "Subject", "Date", "To"},
	}
}

// signMsakit signs c the way msakit does: Sign with the final header, the
// body in 32 KiB writes as io.Copy makes them, then Sum.
func signMsakit(ctx context.Context, c *benchCase) error {
	bs, err := c.signer.Sign(ctx, c.req)
	if err != nil {
		return err
	}
	for p := c.body; len(p) > 0; {
		n := min(len(p), 32<<10)
		if _, err := bs.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	_, err = bs.Sum()
	return err
}

// signBaseline is go-msgauth's own dkim.Sign over the same bytes: it
// buffers the message to write the signature before it.
func signBaseline(c *benchCase) error {
	return msgauth.Sign(io.Discard, bytes.NewReader(c.whole), c.opts)
}

// BenchmarkSign: the cost of signing one message, msakit's streaming
// Signer against go-msgauth's dkim.Sign over the same bytes, each on its
// own (ns/op, B/op, allocs/op).
func BenchmarkSign(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name+"/msakit", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.whole)))
			for b.Loop() {
				if err := signMsakit(b.Context(), &c); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/go-msgauth", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.whole)))
			for b.Loop() {
				if err := signBaseline(&c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSignPaired signs each iteration's message once each way and
// times each side on its own, so that both see the same machine load: it
// reports the median time per message of each and the median of msakit's
// per-pair overhead in percent of dkim.Sign's time.
func BenchmarkSignPaired(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(2 * len(c.whole)))
			var ours, theirs, ratios []float64
			for b.Loop() {
				t0 := time.Now()
				if err := signMsakit(b.Context(), &c); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if err := signBaseline(&c); err != nil {
					b.Fatal(err)
				}
				o, g := t1.Sub(t0).Seconds(), time.Since(t1).Seconds()
				ours, theirs, ratios = append(ours, o), append(theirs, g), append(ratios, o/g)
			}
			b.ReportMetric(1e6*extest.Median(ours), "msakit-µs/msg")
			b.ReportMetric(1e6*extest.Median(theirs), "go-msgauth-µs/msg")
			b.ReportMetric(100*(extest.Median(ratios)-1), "overhead-%")
		})
	}
}
