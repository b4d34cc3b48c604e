package submission_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestDataClientReadErrors: an I/O error of the client's reader is 451
// 4.3.0, logged as client-caused (Info, rate limited), not at Error.
func TestDataClientReadErrors(t *testing.T) {
	t.Parallel()
	for _, body := range []bool{false, true} {
		f := newFixture(t, nil)
		s := f.session()
		ctx := t.Context()
		if err := s.Mail(ctx, "<alice@example.org>", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.Rcpt(ctx, "<bob@example.com>", nil); err != nil {
			t.Fatal(err)
		}
		in := "From: alice@example.org\r\nSubj"
		if body {
			in = crlf(message)
		}
		r, err := s.Data(ctx, io.MultiReader(strings.NewReader(in), iotest.ErrReader(io.ErrUnexpectedEOF)))
		if err == nil {
			_, err = io.ReadAll(r)
		}
		wantReply(t, fmt.Sprintf("body %v", body), err, 451, "4.3.0")
		if logs := f.logs.String(); strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "level=INFO") {
			t.Errorf("client I/O error logged wrongly:\n%s", logs)
		}
	}
}
