package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/examples/gosmtp"
	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// signedStream is a message body that, like msakit's reader with a signer,
// hands its signature fields over once it has been read to io.EOF, and
// samples the live heap every 8 MiB while it is read.
type signedStream struct {
	r        io.Reader
	sig      []byte
	eof      bool
	n, next  int64
	peak     uint64
	sampleGC bool
}

var _ submission.SignedReader = (*signedStream)(nil)

func (b *signedStream) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.sampleGC && b.n >= b.next {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		b.peak = max(b.peak, ms.HeapAlloc)
		b.next = b.n + 8<<20
	}
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *signedStream) Signature() []byte {
	if !b.eof {
		return nil
	}
	return b.sig
}

const bigHeader = "Received: from client.example.org by msa.example.org; Mon, 23 Nov 2026 19:00:00 +0000\r\n" +
	"From: alice@example.org\r\nTo: bob@example.net\r\nSubject: big\r\n\r\n"

// TestSpoolSignedBoundedHeap spools a signed 100 MB message: <id>.eml is
// the signature followed by the message, octet for octet, the live heap
// never grows by 4 MB while the body streams, and the whole delivery (the
// copy that puts the signature in front included) allocates less than 4 MB.
func TestSpoolSignedBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("spools 100 MB")
	}
	const size = 100_000_000
	sig := []byte("DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s;\r\n b=c2lnbmF0dXJl\r\n")
	sp, err := newSpool(t.TempDir(), syncGroup, time.Now, strings.NewReader(strings.Repeat("r", 64)), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	body := &signedStream{r: io.MultiReader(strings.NewReader(bigHeader), dkimtest.Body(size)), sig: sig, sampleGC: true}
	m := fakeMessage(t, body)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := sp.Deliver(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	const bound = 4 << 20
	if body.peak > before.HeapAlloc && body.peak-before.HeapAlloc > bound {
		t.Errorf("peak live heap grew by %d octets, want < %d", body.peak-before.HeapAlloc, bound)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > bound {
		t.Errorf("Deliver allocated %d octets, want < %d", d, bound)
	}
	t.Logf("spooled %d octets: peak live heap +%d, total allocated %d", body.n,
		int64(body.peak)-int64(before.HeapAlloc), after.TotalAlloc-before.TotalAlloc)

	msgs, err := filepath.Glob(filepath.Join(sp.dir, "*.eml"))
	if err != nil || len(msgs) != 1 {
		t.Fatalf("spool holds %v (%v), want one .eml", msgs, err)
	}
	f, err := os.Open(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := io.MultiReader(bytes.NewReader(sig), strings.NewReader(bigHeader), dkimtest.Body(size))
	if n, err := sameStream(f, want); err != nil {
		t.Errorf("%s differs from the signature and the message at octet %d: %v", filepath.Base(msgs[0]), n, err)
	}
}

// sameStream compares two readers to their ends, 64 KiB at a time; it
// returns the offset of the chunk where they first differ.
func sameStream(a, b io.Reader) (int64, error) {
	ba, bb := make([]byte, 64<<10), make([]byte, 64<<10)
	var off int64
	for {
		na, ea := io.ReadFull(a, ba)
		nb, eb := io.ReadFull(b, bb)
		if !bytes.Equal(ba[:na], bb[:nb]) {
			return off, fmt.Errorf("%d octets against %d, different", na, nb)
		}
		off += int64(na)
		done := func(err error) bool { return err == io.EOF || err == io.ErrUnexpectedEOF }
		switch {
		case done(ea) && done(eb):
			return off, nil
		case ea != nil || eb != nil:
			return off, fmt.Errorf("file: %v, expected: %v", ea, eb)
		}
	}
}

// BenchmarkSpoolSignature: what putting the signature in front costs the
// spool (a second temporary file, the message copied into it, one more
// fsync), paired per iteration with the same message spooled unsigned.
func BenchmarkSpoolSignature(b *testing.B) {
	sig := []byte("DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s;\r\n b=c2lnbmF0dXJl\r\n")
	for _, size := range []int64{1 << 20, 32 << 20} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			sp, err := newSpool(b.TempDir(), syncEachMessage, time.Now, strings.NewReader(strings.Repeat("r", 1<<20)), slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			deliver := func(sig []byte) float64 {
				body := &signedStream{r: io.MultiReader(strings.NewReader(bigHeader), dkimtest.Body(size)), sig: sig}
				t0 := time.Now()
				if err := sp.Deliver(b.Context(), &gosmtp.Message{Conn: policy.Conn{}, Transaction: &policy.Transaction{ID: "bench"}, Body: body}); err != nil {
					b.Fatal(err)
				}
				d := time.Since(t0).Seconds()
				for _, ext := range []string{".eml", ".json"} {
					if err := os.Remove(filepath.Join(sp.dir, "bench"+ext)); err != nil {
						b.Fatal(err)
					}
				}
				return d
			}
			b.ReportAllocs()
			b.SetBytes(2 * size)
			var plain, signed, extra []float64
			for b.Loop() {
				p, s := deliver(nil), deliver(sig)
				plain, signed, extra = append(plain, p), append(signed, s), append(extra, s/p)
			}
			b.ReportMetric(1e3*extest.Median(plain), "unsigned-ms/msg")
			b.ReportMetric(1e3*extest.Median(signed), "signed-ms/msg")
			b.ReportMetric(100*(extest.Median(extra)-1), "extra-%")
		})
	}
}
