package msaconfig

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
)

// Directory is what the program knows of its users: the addresses each may
// send as (RFC 6409, Section 6.1), the recipients each may write to (RFC
// 6409, Section 6.2) and, for examples/msa, their credentials. It is built
// from the settings (the file's [[user]] tables and the -user flags),
// never changed, and replaced whole on SIGHUP.
type Directory struct {
	users      map[string]*user // by RFC 8265 prepared name
	senders    *auth.Senders
	recipients *auth.Senders // the recipient rules of restricted users
	dummy      verifier      // checked for an unknown user, so it costs the same
	weak       []string      // users whose hash parameters are below the customary minimum

	// behindMTA: the MTA authenticates, so a login the directory does not
	// list is a user too, with the default address (see Users.Identify).
	behindMTA bool
	domain    envelope.Domain // of the default addresses
}

type user struct {
	password   verifier // nil behind an MTA
	address    envelope.Mailbox
	restricted bool // has recipient rules
}

// Len is the number of users listed.
func (d *Directory) Len() int { return len(d.users) }

// Address is the own address of the listed user name (RFC 8265 prepared).
func (d *Directory) Address(name string) (envelope.Mailbox, bool) {
	u, ok := d.users[name]
	if !ok {
		return envelope.Mailbox{}, false
	}
	return u.address, true
}

// Weak lists the users whose password hashes have parameters below the
// customary minimum, to be logged at Warn.
func (d *Directory) Weak() []string { return d.weak }

// WeakHashWarning is the Warn record of a user in Directory.Weak.
const WeakHashWarning = "password hash parameters below the customary minimum (argon2id m=19456 t=2, bcrypt cost 10); make a new one with msa hash-password"

// newDirectory builds the directory of the settings; errors name the
// file's line or the flag. Behind an MTA a user's password-hash is not
// needed (and not used).
func (l *Loaded) newDirectory() (*Directory, error) {
	c, f := l.Settings, l.file
	server := l.cl.program.Role == RoleServer
	d := &Directory{
		users:      map[string]*user{},
		senders:    auth.NewSenders(c.SubaddressSeparator),
		recipients: auth.NewSenders(c.SubaddressSeparator),
		behindMTA:  !server,
		domain:     c.Domain.d,
	}
	// -user flags first: they replace a file user of the same name.
	for _, s := range l.flagUsers() {
		if err := d.addFlagUser(s); err != nil {
			return nil, err
		}
	}
	first := map[string]string{} // name → key path of its first table
	for i, a := range c.Users {
		key := "user[" + strconv.Itoa(i) + "]"
		switch {
		case a.Name.s == "":
			return nil, f.errorAt(key, "name is missing")
		case server && a.PasswordHash.v == nil:
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
		var pw verifier
		if server {
			pw = a.PasswordHash.v
		}
		if err := d.add(a.Name.s, pw, own, a.Addresses, a.Recipients); err != nil {
			return nil, f.errorAt(key, err.Error())
		}
		if pw != nil && pw.weak() {
			d.weak = append(d.weak, a.Name.s)
		}
	}
	d.dummy = dummyVerifier(c.Users)
	return d, nil
}

// flagUsers are the -user flags of either program; a login of
// msakit-milter's has no password.
func (l *Loaded) flagUsers() []userSpec {
	out := append([]userSpec(nil), l.FlagUsers...)
	for _, s := range l.FlagLogins {
		out = append(out, userSpec(s))
	}
	return out
}

// SetDemoUser makes name, with password in clear, the only -user and
// builds the directory again: examples/msa's demo user when none is
// configured.
func (l *Loaded) SetDemoUser(name, password string) error {
	l.FlagUsers = []userSpec{{name: name, password: password}}
	d, err := l.newDirectory()
	if err != nil {
		return err
	}
	l.Dir = d
	return nil
}

// addFlagUser adds a -user flag's user.
func (d *Directory) addFlagUser(s userSpec) error {
	if s.err != nil {
		return Usagef("-user: %w", s.err)
	}
	var name UserName
	if err := name.Set(s.name); err != nil {
		return Usagef("-user: %w", err)
	}
	pats := make([]Pattern, len(s.addresses))
	for i, a := range s.addresses {
		if err := pats[i].Set(a); err != nil {
			return Usagef("-user %s: %w", s.name, err)
		}
	}
	if _, dup := d.users[name.s]; dup {
		return Usagef("-user %s: given twice", s.name)
	}
	own, err := ownAddress(name.s, pats, d.domain)
	if err != nil {
		return Usagef("-user %s: %w", s.name, err)
	}
	var pw verifier
	if s.password != "" {
		p, err := auth.PreparePassword(s.password)
		if err != nil {
			return Usagef("-user %s: the password is not usable (RFC 8265, Section 4.2)", s.name)
		}
		pw = newPlainPassword(name.s, p)
	}
	return d.add(name.s, pw, own, pats, nil)
}

// add adds a user with its sender and recipient rules.
func (d *Directory) add(name string, pw verifier, own envelope.Mailbox, senders, recipients []Pattern) error {
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
// else the name when it is an address (the usual login of Dovecot, and of
// Cyrus with realms), else NAME@DOMAIN.
func ownAddress(name string, addrs []Pattern, domain envelope.Domain) (envelope.Mailbox, error) {
	for _, a := range addrs {
		if a.s[0] != '@' {
			return parseAddress(a.s)
		}
	}
	if m, err := parseAddress(name); err == nil {
		return m, nil
	}
	m, err := envelope.NewMailbox(name, domain)
	if err != nil {
		return m, fmt.Errorf("%s@%s is not an address; give the user addresses", name, domain.ASCII())
	}
	return m, nil
}

// defaultAddress is the own address of a login the directory does not
// list, behind an MTA: the login when it is an address, else
// LOGIN@DOMAIN.
func (d *Directory) defaultAddress(login string) (envelope.Mailbox, bool) {
	if m, err := envelope.ParseMailbox(login); err == nil && m.LocalPart != "" {
		return m, true
	}
	m, err := envelope.NewMailbox(login, d.domain)
	return m, err == nil
}

// dummyVerifier is checked when the user is unknown, so that a wrong name
// costs what a wrong password costs: the first hashed user's hash (an
// unknown user is refused whatever the result), or a digest when no user
// has a hash.
func dummyVerifier(accounts []Account) verifier {
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

// Users is the program's view of the current directory: examples/msa's
// [auth.Authenticator], both programs' [auth.SenderAuthorizer] and
// recipient rule, and msakit-milter's identity completion. A SIGHUP
// replaces the directory (Store). In examples/msa a session already
// authenticated keeps its identity, but a user no longer in the directory
// may send to nobody (RCPT is refused, 550 5.7.1) and as nobody but its
// own address; behind an MTA such a login is an unlisted one (see
// Identify). Safe for concurrent use.
type Users struct {
	dir atomic.Pointer[Directory]
	// hashing bounds the password hashes computed at once: an argon2id
	// check takes its memory (64 MiB by default) for its whole run.
	hashing chan struct{}
}

// NewUsers returns the users of d.
func NewUsers(d *Directory) *Users {
	u := &Users{hashing: make(chan struct{}, runtime.GOMAXPROCS(0))}
	u.dir.Store(d)
	return u
}

// Store puts d in force for the sessions' next lookups.
func (u *Users) Store(d *Directory) { u.dir.Store(d) }

var (
	_ auth.Authenticator    = (*Users)(nil)
	_ auth.SenderAuthorizer = (*Users)(nil)
)

// AuthenticatePassword implements [auth.Authenticator] (RFC 4616, Section
// 2): the user name is prepared by RFC 8265 UsernameCaseMapped, the
// password by OpaqueString, and the password is checked against the
// user's hash. An unknown user, a wrong password and a name or password
// that fails preparation are all [auth.ErrInvalidCredentials] after the
// same work. The authzid is left to auth.NewServer, which grants only the
// user itself.
func (u *Users) AuthenticatePassword(ctx context.Context, _, username, password string) (auth.Identity, error) {
	d := u.dir.Load()
	name, nameErr := auth.NormalizeUsername(username)
	p, passErr := auth.PreparePassword(password)
	usr, known := d.users[name]
	v := d.dummy
	if known && usr.password != nil {
		v = usr.password
	} else {
		known = false
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

// lookup is the listed user id acts as, nil if none.
func (d *Directory) lookup(id auth.Identity) *user {
	name, err := auth.NormalizeUsername(id.User())
	if err != nil {
		return nil
	}
	return d.users[name]
}

// AuthorizeSender implements [auth.SenderAuthorizer] (RFC 6409, Section
// 6.1): the user's own address, its addresses and @domains, and their
// subaddresses; nothing more for a user the directory does not list (its
// own address is the agent's to allow).
func (u *Users) AuthorizeSender(ctx context.Context, id auth.Identity, m envelope.Mailbox) (bool, error) {
	d := u.dir.Load()
	if d.lookup(id) == nil {
		return false, nil
	}
	return d.senders.AuthorizeSender(ctx, id, m)
}

// AllowRecipient is submission.Config.AllowRecipient (RFC 6409, Section
// 6.2): a user with recipients rules may write to those, to itself and to
// the postmaster; a user without may write to anyone; a user the
// directory does not list to nobody, except behind an MTA, where it is a
// login without rules.
func (u *Users) AllowRecipient(ctx context.Context, id auth.Identity, rcpt envelope.Path) (bool, error) {
	d := u.dir.Load()
	usr := d.lookup(id)
	switch {
	case usr == nil:
		return d.behindMTA, nil
	case !usr.restricted || rcpt.IsPostmaster():
		return true, nil
	}
	return d.recipients.AuthorizeSender(ctx, id, rcpt.Mailbox())
}

// Identify is milter.Config.Identify: the identity the MTA authenticated
// gets its own Address (RFC 6409, Section 6.1): a listed user's, else the
// login when it is an address, else LOGIN@DOMAIN (the rule of Postfix's
// reject_sender_login_mismatch with the obvious map). A login that is
// neither keeps no Address and may send only as its Senders rules say.
func (u *Users) Identify(_ context.Context, id auth.Identity) (auth.Identity, error) {
	d := u.dir.Load()
	if usr := d.lookup(id); usr != nil {
		id.Address = usr.address
	} else if m, ok := d.defaultAddress(id.User()); ok {
		id.Address = m
	}
	return id, nil
}
