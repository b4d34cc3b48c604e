package gosmtp

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"sync"
	"testing"

	"github.com/msakit/msakit/submission"
)

// lenSigner "signs" with the body's length, enough to see which octets the
// signer got and where its field ends up.
type lenSigner struct{}

func (lenSigner) Sign(context.Context, submission.SignRequest) (submission.BodySigner, error) {
	return &lenBody{}, nil
}

type lenBody struct{ n int }

func (b *lenBody) Write(p []byte) (int, error) { b.n += len(p); return len(p), nil }
func (b *lenBody) Sum() ([]byte, error) {
	return []byte("X-Test-Signature: body=" + strconv.Itoa(b.n) + "\r\n"), nil
}

// signingDeliverer queues Signature then the body, as the Deliverer
// documentation asks, and records what Signature said before the end.
type signingDeliverer struct {
	mu    sync.Mutex
	msgs  [][]byte
	early []byte // Signature called before Body's io.EOF
}

func (d *signingDeliverer) Deliver(_ context.Context, m *Message) error {
	var buf bytes.Buffer
	if _, err := io.CopyN(&buf, m.Body, 10); err != nil {
		return err
	}
	early := m.Signature()
	if _, err := io.Copy(&buf, m.Body); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.early = early
	d.msgs = append(d.msgs, append(bytes.Clone(m.Signature()), buf.Bytes()...))
	return nil
}

// TestSignatureReachesDeliverer: with a signer, Message.Signature gives the
// fields after Body's end (nil before), for DATA and for BDAT.
func TestSignatureReachesDeliverer(t *testing.T) {
	t.Parallel()
	for _, bdat := range []bool{false, true} {
		t.Run("bdat="+strconv.FormatBool(bdat), func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, true, func(c *submission.Config) { c.Signer = lenSigner{} })
			d := &signingDeliverer{}
			ts.be.deliver = d
			rc := ts.raw(t)
			rc.login()
			rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
			rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
			if bdat {
				rc.write([]byte("BDAT " + strconv.Itoa(len(testMessage)) + " LAST\r\n" + testMessage))
			} else {
				rc.must("DATA", "354")
				rc.write(dotStuff(testMessage))
			}
			rc.expect("250 2.0.0")
			d.mu.Lock()
			defer d.mu.Unlock()
			if len(d.msgs) != 1 {
				t.Fatalf("%d messages queued, want 1", len(d.msgs))
			}
			body := len(testMessage) - bytes.Index([]byte(testMessage), []byte("\r\n\r\n")) - 4
			want := "X-Test-Signature: body=" + strconv.Itoa(body) + "\r\nReceived: "
			if !bytes.HasPrefix(d.msgs[0], []byte(want)) {
				t.Errorf("queued message starts\n%.80q\nwant %q", d.msgs[0], want)
			}
			if d.early != nil {
				t.Errorf("Signature before the end of Body = %q, want nil", d.early)
			}
		})
	}
}

// TestSignatureDropped: a Deliverer that queues a signed message without
// taking its signature gets 451 4.3.0, so the loss shows at once instead of
// as DMARC failures at the receivers.
func TestSignatureDropped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, true, func(c *submission.Config) { c.Signer = lenSigner{} })
	rc := ts.raw(t)
	rc.login()
	rc.must("MAIL FROM:<"+testFrom+">", "250 2.0.0")
	rc.must("RCPT TO:<bob@example.net>", "250 2.0.0")
	rc.must("DATA", "354")
	rc.write(dotStuff(testMessage))
	rc.expect("451 4.3.0")
}
