package dkim_test

import (
	"bytes"
	"io"
	"net/netip"
	"runtime"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/dkimtest"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// TestSignStreamsWithBoundedHeap streams a 100 MB message through
// Session.Data with both example.org keys signing it, and checks that the
// live heap (measured after a collection every 8 MiB) never grows by 4 MB:
// the body is hashed as it streams, never buffered. Both signatures of the
// 100 MB message then verify with go-msgauth, except under the race
// detector, where that doubles a long test (TestSignChunksVerify covers
// the streamed path there).
//
// Unlike the unsigned path (submission's TestDataStreamsWithBoundedHeap),
// the total allocated is not bounded: go-msgauth v0.7.0's relaxed body
// canonicalizer allocates two short-lived buffers the size of each Write
// (crlfFixer.Fix and the canonical copy), about 2 octets of garbage per
// body octet and key. The test logs the figure.
func TestSignStreamsWithBoundedHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	s := newSigning(t, func(_ *dkim.Config, c *submission.Config) {
		c.MaxSize = -1
		c.Logger = nil
	})
	hdr := "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: big\r\nDate: Mon, 23 Nov 2026 19:58:00 +0000\r\nMessage-ID: <big@example.org>\r\n\r\n"
	const size = 100_000_000
	sess := s.agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000"), Helo: "client.example.org", ESMTP: true})
	sess.Authenticated(s.alice)
	ctx := t.Context()
	if err := sess.Mail(ctx, "<alice@example.org>", nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
		t.Fatal(err)
	}
	w := &heapWatch{head: make([]byte, 0, 4096)}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := sess.Data(ctx, io.MultiReader(strings.NewReader(hdr), dkimtest.Body(size)))
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(w, r)
	if err != nil {
		t.Fatal(err)
	}
	sig := r.(submission.SignedReader).Signature()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if n < size {
		t.Fatalf("streamed %d octets, want more than %d", n, size)
	}
	const bound = 4 << 20
	if w.peak > before.HeapAlloc && w.peak-before.HeapAlloc > bound {
		t.Errorf("peak heap grew by %d octets, want < %d", w.peak-before.HeapAlloc, bound)
	}
	t.Logf("streamed and signed %d octets: peak live heap +%d, total allocated %d", n,
		int64(w.peak)-int64(before.HeapAlloc), after.TotalAlloc-before.TotalAlloc)

	if raceEnabled {
		return
	}
	// The queued message: the signatures, the header as read back, the
	// body generated again (msakit passes it byte for byte).
	i := bytes.Index(w.head, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no end of header in the first %d octets", len(w.head))
	}
	queued := io.MultiReader(bytes.NewReader(sig), bytes.NewReader(w.head[:i+4]), dkimtest.Body(size))
	vs, err := msgauth.VerifyWithOptions(queued, &msgauth.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
		return []string{s.records[strings.TrimSuffix(name, ".")]}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d signatures, want 2", len(vs))
	}
	for _, v := range vs {
		if v.Err != nil {
			t.Errorf("signature by %s: %v", v.Domain, v.Err)
		}
	}
}

// heapWatch discards what it gets but its first cap(head) octets, and
// samples the live heap (after a collection) every 8 MiB.
type heapWatch struct {
	head    []byte
	n, next int64
	peak    uint64
}

func (w *heapWatch) Write(p []byte) (int, error) {
	if room := cap(w.head) - len(w.head); room > 0 {
		w.head = append(w.head, p[:min(room, len(p))]...)
	}
	w.n += int64(len(p))
	if w.n >= w.next {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		w.peak = max(w.peak, ms.HeapAlloc)
		w.next = w.n + 8<<20
	}
	return len(p), nil
}

// TestSignChunksVerify: a 1 MiB body read in chunks of every size from 1 to
// 4 KiB, so that CRLFs, white-space runs and empty lines fall across the
// writes to the signer, signs a message both verifiers accept.
func TestSignChunksVerify(t *testing.T) {
	t.Parallel()
	s := newSigning(t, nil)
	body, err := io.ReadAll(dkimtest.Body(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	// White space the relaxed canonicalization reduces, and trailing empty
	// lines it drops, at many offsets.
	body = bytes.ReplaceAll(body, []byte("lazy dog"), []byte("lazy  \t dog"))
	body = append(body, "\r\n \t\r\n\r\n\r\n"...)
	hdr := "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: chunks\r\n\r\n"
	sess := s.agent.NewSession(policy.Conn{RemoteAddr: netip.MustParseAddrPort("192.0.2.1:40000"), Helo: "client.example.org", ESMTP: true})
	sess.Authenticated(s.alice)
	ctx := t.Context()
	if err := sess.Mail(ctx, "<alice@example.org>", nil); err != nil {
		t.Fatal(err)
	}
	if err := sess.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
		t.Fatal(err)
	}
	r, err := sess.Data(ctx, strings.NewReader(hdr+string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for n := 1; ; n = n%4096 + 1 {
		k, err := r.Read(buf[:n])
		out.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	msg := append(bytes.Clone(r.(submission.SignedReader).Signature()), out.Bytes()...)
	checkVerifies(t, "1 MiB in chunks", msg, s.records, "example.org", 2)
}
