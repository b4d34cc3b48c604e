package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
)

// SenderAuthorizer decides which addresses an identity may use as the
// envelope sender (MAIL FROM) and in the From and Sender header fields:
// RFC 6409, Section 6.1 lets an MSA check that the submitter is authorized to
// use the address, and RFC 5068, Section 3.1 asks that submissions be
// traceable to an accountable identity. submission.Config.Senders holds it:
// the enforce-sender check of the RFC 6409 profile calls it; a
// server implements it over its directory, or uses [Senders].
//
// AuthorizeSender reports whether id may use m. It returns an error only
// when it cannot decide (a directory outage, ctx ending); the caller then
// answers with a temporary failure, not a refusal. It may block and must
// honour ctx; it must be safe for concurrent use.
type SenderAuthorizer interface {
	AuthorizeSender(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error)
}

// SenderAuthorizerFunc adapts an ordinary function to [SenderAuthorizer],
// as [net/http.HandlerFunc] does for handlers (RFC 6409, Section 6.1).
type SenderAuthorizerFunc func(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error)

// AuthorizeSender calls f(ctx, id, m) (RFC 6409, Section 6.1).
func (f SenderAuthorizerFunc) AuthorizeSender(ctx context.Context, id Identity, m envelope.Mailbox) (bool, error) {
	return f(ctx, id, m)
}

// Senders is the in-memory [SenderAuthorizer] (RFC 6409, Section 6.1;
// RFC 5068, Section 3.1). An identity may use:
//
//   - its own [Identity].Address, always (the Authenticator vouched for it);
//   - every address given to [Senders.Allow] for its user name, the
//     aliases;
//   - every address in a domain given to Allow as "@domain";
//   - a subaddress of any of those addresses: with separator "+",
//     "alice+lists@example.org" counts as "alice@example.org" (RFC 5233
//     style; [envelope.SplitSubaddress] splits at the first separator).
//
// Comparison rules:
//
//   - Users are keyed by [Identity.User] (the authorization identity when
//     there is one) after [NormalizeUsername], so rules for "Alice" apply
//     to "alice".
//   - Domains compare by their A-label form, [envelope.Domain.ASCII], so
//     case does not matter and an IDN matches whether the pattern or the
//     address used the U-label ("bücher.example") or the A-label
//     ("xn--bcher-kva.example").
//   - Local parts compare with ASCII letters folded to lower case, and
//     every other octet exactly. RFC 5321, Section 2.4 makes local parts
//     case-sensitive, but the receiving MTA decides what they mean, and in
//     practice mailbox names are case-insensitive; refusing "Alice@" to
//     the owner of "alice@" would only break mail. Non-ASCII local parts
//     (RFC 6531) are compared octet for octet, without Unicode case
//     folding or normalisation, so nothing the owner did not spell out is
//     allowed.
//
// Use [NewSenders]; the zero value is not usable. A Senders is safe for
// concurrent use: Allow may run while AuthorizeSender is being called.
type Senders struct {
	sep   string
	mu    sync.RWMutex
	users map[string]*senderRules
}

type senderRules struct {
	addrs   map[mailboxKey]struct{}
	domains map[string]struct{} // A-label form
}

// mailboxKey is a local part with ASCII letters folded and a domain in its
// A-label form.
type mailboxKey struct {
	local, domain string
}

// NewSenders returns an empty Senders. subaddressSep is the subaddress
// separator (RFC 5233, Section 1), typically "+"; "" disables subaddressing, so
// "alice+tag@example.org" is then only allowed when given in full.
func NewSenders(subaddressSep string) *Senders {
	return &Senders{sep: subaddressSep, users: make(map[string]*senderRules)}
}

// Allow lets user send as each pattern (RFC 6409, Section 6.1). A pattern
// is either a mailbox, "alice@example.org" (parsed with
// [envelope.ParseMailbox], so a quoted local part or an IDN domain works),
// or a whole domain, "@example.org" (parsed with [envelope.ParseDomain]).
// Allow may be called any number of times for a user; rules add up.
//
// It returns an error, and adds none of the patterns, when user fails
// [NormalizeUsername] or any pattern does not parse; the error names the
// pattern and wraps the envelope error.
func (s *Senders) Allow(user string, patterns ...string) error {
	key, err := NormalizeUsername(user)
	if err != nil {
		return err
	}
	var addrs []mailboxKey
	var domains []string
	for _, p := range patterns {
		if p == "" {
			return errors.New("auth: empty sender pattern")
		}
		if d, ok := strings.CutPrefix(p, "@"); ok {
			dom, err := envelope.ParseDomain(d)
			if err != nil {
				return fmt.Errorf("auth: sender pattern %q: %w", p, err)
			}
			domains = append(domains, dom.ASCII())
			continue
		}
		m, err := envelope.ParseMailbox(p)
		if err != nil {
			return fmt.Errorf("auth: sender pattern %q: %w", p, err)
		}
		if m.LocalPart == "" || m.Domain.IsZero() {
			return fmt.Errorf("auth: sender pattern %q: want local@domain or @domain", p)
		}
		addrs = append(addrs, mailboxKey{local: foldASCII(m.LocalPart), domain: m.Domain.ASCII()})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.users[key]
	if r == nil {
		r = &senderRules{addrs: make(map[mailboxKey]struct{}), domains: make(map[string]struct{})}
		s.users[key] = r
	}
	for _, a := range addrs {
		r.addrs[a] = struct{}{}
	}
	for _, d := range domains {
		r.domains[d] = struct{}{}
	}
	return nil
}

// AuthorizeSender implements [SenderAuthorizer] (RFC 6409, Section 6.1)
// with the rules on [Senders]. The zero Identity and the zero Mailbox are
// never authorized; a user with no rules may use only its own Address. It
// never returns an error and does not block; ctx is not used.
func (s *Senders) AuthorizeSender(_ context.Context, id Identity, m envelope.Mailbox) (bool, error) {
	if id.IsZero() || m.LocalPart == "" || m.Domain.IsZero() {
		return false, nil
	}
	domain := m.Domain.ASCII()
	local := m.LocalPart
	base, _, sub := envelope.SplitSubaddress(local, s.sep)
	sub = sub && s.sep != "" && base != ""

	if SameMailbox(id.Address, m) || sub && SameMailbox(id.Address, envelope.Mailbox{LocalPart: base, Domain: m.Domain}) {
		return true, nil
	}

	user, err := NormalizeUsername(id.User())
	if err != nil {
		return false, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.users[user]
	if r == nil {
		return false, nil
	}
	if _, ok := r.domains[domain]; ok {
		return true, nil
	}
	if _, ok := r.addrs[mailboxKey{local: foldASCII(local), domain: domain}]; ok {
		return true, nil
	}
	if sub {
		if _, ok := r.addrs[mailboxKey{local: foldASCII(base), domain: domain}]; ok {
			return true, nil
		}
	}
	return false, nil
}

// foldASCII lower-cases ASCII letters and leaves every other octet; it
// allocates only when there is something to fold.
func foldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// SameMailbox reports whether a and b name the same mailbox for sender
// checks (RFC 6409, Sections 6.1 and 6.3), by the comparison rules on
// [Senders]: the same domain in A-label form (RFC 5890, Section 2.3.2.1) and
// local parts equal with ASCII letters folded, every other octet exactly
// (RFC 5321, Section 2.4 lets the receiving host decide; msakit's choice).
// Unlike ==, which is exact for an [envelope.Mailbox], "Alice@example.org" is
// the same mailbox as "alice@EXAMPLE.org". A mailbox without a local part or
// domain (such as the zero Mailbox) is the same as nothing.
func SameMailbox(a, b envelope.Mailbox) bool {
	if a.LocalPart == "" || a.Domain.IsZero() {
		return false
	}
	return ascii.EqualFold(a.Domain.ASCII(), b.Domain.ASCII()) && ascii.EqualFold(a.LocalPart, b.LocalPart)
}
