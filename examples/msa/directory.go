package main

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// directory is what the server knows of its users: their credentials, the
// addresses each may send as (RFC 6409, Section 6.1) and the recipients
// each may write to (RFC 6409, Section 6.2). It is built from the config
// (the file's [[user]] tables and the -user flags), never changed, and
// replaced whole on SIGHUP.
type directory struct {
	users      map[string]*user // by RFC 8265 prepared name
	senders    *auth.Senders
	recipients *auth.Senders // the recipient rules of restricted users
	dummy      verifier      // checked for an unknown user, so it costs the same
	weak       []string      // users whose hash parameters are below the customary minimum
}

type user struct {
	password   verifier
	address    envelope.Mailbox
	restricted bool // has recipient rules
}

// newDirectory builds the directory of c; errors name the file's line or
// the flag.
func newDirectory(c *config, f *configFile) (*directory, error) {
	d := &directory{
		users:      map[string]*user{},
		senders:    auth.NewSenders(c.SubaddressSeparator),
		recipients: auth.NewSenders(c.SubaddressSeparator),
	}
	// -user flags first: they replace a file user of the same name.
	for _, s := range c.FlagUsers {
		if err := d.addFlagUser(c, s); err != nil {
			return nil, err
		}
	}
	first := map[string]string{} // name → key path of its first table
	for i, a := range c.Users {
		key := "user[" + strconv.Itoa(i) + "]"
		switch {
		case a.Name.s == "":
			return nil, f.errorAt(key, "name is missing")
		case a.PasswordHash.v == nil:
			return nil, f.errorAt(key, "password-hash is missing (make one with: msa hash-password)")
		}
		if k, dup := first[a.Name.s]; dup {
			return nil, f.errorAt(key+".name", fmt.Sprintf("user %q is already defined at line %d", a.Name.s, f.line(k)))
		}
		first[a.Name.s] = key + ".name"
		if _, flagged := d.users[a.Name.s]; flagged {
			continue // a -user flag replaces it
		}
		own, err := ownAddress(a.Name.s, a.Addresses, c.Domain.d)
		if err != nil {
			return nil, f.errorAt(key+".name", err.Error())
		}
		if err := d.add(a.Name.s, a.PasswordHash.v, own, a.Addresses, a.Recipients); err != nil {
			return nil, f.errorAt(key, err.Error())
		}
		if a.PasswordHash.v.weak() {
			d.weak = append(d.weak, a.Name.s)
		}
	}
	d.dummy = dummyVerifier(c.Users)
	return d, nil
}

// addFlagUser adds a -user flag's user.
func (d *directory) addFlagUser(c *config, s userSpec) error {
	if s.err != nil {
		return usagef("-user: %w", s.err)
	}
	var name userName
	if err := name.Set(s.name); err != nil {
		return usagef("-user: %w", err)
	}
	pats := make([]pattern, len(s.addresses))
	for i, a := range s.addresses {
		if err := pats[i].Set(a); err != nil {
			return usagef("-user %s: %w", s.name, err)
		}
	}
	if _, dup := d.users[name.s]; dup {
		return usagef("-user %s: given twice", s.name)
	}
	own, err := ownAddress(name.s, pats, c.Domain.d)
	if err != nil {
		return usagef("-user %s: %w", s.name, err)
	}
	p, err := auth.PreparePassword(s.password)
	if err != nil {
		return usagef("-user %s: the password is not usable (RFC 8265, Section 4.2)", s.name)
	}
	return d.add(name.s, newPlainPassword(name.s, p), own, pats, nil)
}

// add adds a user with its sender and recipient rules.
func (d *directory) add(name string, pw verifier, own envelope.Mailbox, senders, recipients []pattern) error {
	allow := []string{own.String()}
	for _, p := range senders {
		allow = append(allow, p.s)
	}
	if err := d.senders.Allow(name, allow...); err != nil {
		return err
	}
	u := &user{password: pw, address: own, restricted: len(recipients) > 0}
	if u.restricted {
		rcpts := make([]string, len(recipients))
		for i, p := range recipients {
			rcpts[i] = p.s
		}
		if err := d.recipients.Allow(name, rcpts...); err != nil {
			return err
		}
	}
	d.users[name] = u
	return nil
}

// ownAddress is a user's own address: its first address (not @domain),
// else NAME@DOMAIN.
func ownAddress(name string, addrs []pattern, domain envelope.Domain) (envelope.Mailbox, error) {
	for _, a := range addrs {
		if a.s[0] != '@' {
			return parseAddress(a.s)
		}
	}
	m, err := envelope.NewMailbox(name, domain)
	if err != nil {
		return m, fmt.Errorf("%s@%s is not an address; give the user addresses", name, domain.ASCII())
	}
	return m, nil
}

// dummyVerifier is checked when the user is unknown, so that a wrong name
// costs what a wrong password costs: the first hashed user's hash (an
// unknown user is refused whatever the result), or a digest when no user
// has a hash.
func dummyVerifier(accounts []account) verifier {
	for _, a := range accounts {
		if a.PasswordHash.v != nil {
			return a.PasswordHash.v
		}
	}
	return newPlainPassword("", "")
}

// line is the line of a key path, 0 when unknown.
func (f *configFile) line(key string) int {
	if f == nil {
		return 0
	}
	return f.pos[key].Line
}

// users is the server's [auth.Authenticator] and [auth.SenderAuthorizer]
// and its recipient rule, over the current directory. A SIGHUP replaces
// the directory; a session already authenticated keeps its identity, but
// a user no longer in the directory may send to nobody (RCPT is refused,
// 550 5.7.1) and as nobody but its own address. Safe for concurrent use.
type users struct {
	dir atomic.Pointer[directory]
	// hashing bounds the password hashes computed at once: an argon2id
	// check takes its memory (64 MiB by default) for its whole run.
	hashing chan struct{}
}

func newUsers(d *directory) *users {
	u := &users{hashing: make(chan struct{}, runtime.GOMAXPROCS(0))}
	u.dir.Store(d)
	return u
}

var (
	_ auth.Authenticator    = (*users)(nil)
	_ auth.SenderAuthorizer = (*users)(nil)
)

// AuthenticatePassword implements [auth.Authenticator] (RFC 4616, Section
// 2): the user name is prepared by RFC 8265 UsernameCaseMapped, the
// password by OpaqueString, and the password is checked against the
// user's hash. An unknown user, a wrong password and a name or password
// that fails preparation are all [auth.ErrInvalidCredentials] after the
// same work. The authzid is left to auth.NewServer, which grants only the
// user itself.
func (u *users) AuthenticatePassword(ctx context.Context, _, username, password string) (auth.Identity, error) {
	d := u.dir.Load()
	name, nameErr := auth.NormalizeUsername(username)
	p, passErr := auth.PreparePassword(password)
	usr, known := d.users[name]
	v := d.dummy
	if known {
		v = usr.password
	}
	select {
	case u.hashing <- struct{}{}:
	case <-ctx.Done():
		return auth.Identity{}, fmt.Errorf("%w: %w", auth.ErrTemporary, ctx.Err())
	}
	ok := v.verify(p)
	<-u.hashing
	if !known || !ok || nameErr != nil || passErr != nil {
		return auth.Identity{}, auth.ErrInvalidCredentials
	}
	return auth.Identity{AuthenticationID: name, Address: usr.address}, nil
}

// AuthorizeSender implements [auth.SenderAuthorizer] (RFC 6409, Section
// 6.1): the user's own address, its addresses and @domains, and their
// subaddresses; nothing for a user no longer in the directory.
func (u *users) AuthorizeSender(ctx context.Context, id auth.Identity, m envelope.Mailbox) (bool, error) {
	d := u.dir.Load()
	if _, ok := d.users[id.User()]; !ok {
		return false, nil
	}
	return d.senders.AuthorizeSender(ctx, id, m)
}

// allowRecipient is submission.Config.AllowRecipient (RFC 6409, Section
// 6.2): a user with recipients rules may write to those, to itself and to
// the postmaster; a user without may write to anyone; a user no longer in
// the directory to nobody.
func (u *users) allowRecipient(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error) {
	d := u.dir.Load()
	usr, ok := d.users[id.User()]
	switch {
	case !ok:
		return false, nil
	case !usr.restricted || rcpt.IsPostmaster():
		return true, nil
	}
	return d.recipients.AuthorizeSender(ctx, id, rcpt.Mailbox())
}
