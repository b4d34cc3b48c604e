package submission

import (
	"context"
	"time"

	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
)

// addDate adds a Date field to a message that lacks one, and corrects one
// that does not conform to RFC 5322 syntax (RFC 6409, Section 8.2; RFC 5322,
// Section 3.6.1).
//
// Stages: DATA rewrite. It never rejects.
//
//   - no Date: "Date: <now>" is prepended;
//   - a Date that does not parse as an RFC 5322 date-time: the first (topmost)
//     Date is replaced in place, so every other field keeps its place;
//   - a Date in obsolete syntax (RFC 5322, Section 4.3) parses and is left
//     as it is: it carries the author's time, which a correction would lose.
//
// When the message carries Resent- fields (RFC 5322, Section 3.6.6) it is
// being re-sent, and the fix-up targets Resent-Date instead: the original
// Date belongs to the original message.
//
// Now gives the time (nil: time.Now); Location the zone written (nil: the
// zone of the time Now returns). The date is written with a numeric zone
// (RFC 5322, Section 3.3). It is on in the RFC 6409 profile (Config.DisableAddDate turns it off).
// addDate is safe for concurrent use when Now is.
type addDate struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Location is the zone the date is written in; nil keeps Now's zone.
	Location *time.Location
}

// Name returns "add-date", the policy of RFC 6409, Section 8.2.
func (addDate) Name() string { return "add-date" }

// RewriteData adds or corrects Date (or Resent-Date) (RFC 6409, Section 8.2).
func (p addDate) RewriteData(_ context.Context, _ *policy.Conn, _ *policy.Transaction, h *header.Header) error {
	return ensureField(h, "Date", "Resent-Date", false, validDate, p.date)
}

// validDate reports whether f's value is an RFC 5322, Section 3.3
// date-time.
func validDate(f header.Field) bool {
	_, err := header.ParseDate(f.Value())
	return err == nil
}

// date returns the current time as an RFC 5322, Section 3.3 date-time.
func (p addDate) date() (string, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	if p.Location != nil {
		t = t.In(p.Location)
	}
	return header.FormatDate(t), nil
}

var _ policy.DataRewriter = addDate{}
