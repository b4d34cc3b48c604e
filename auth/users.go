package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/msakit/msakit/envelope"
)

// Users is an in-memory [Authenticator] for PLAIN and LOGIN: a map from
// user name to password digest and address. It suits tests, examples and
// small deployments; a server with a real directory implements
// [Authenticator] itself.
//
// User names are compared after RFC 8265 UsernameCaseMapped preparation
// ([NormalizeUsername]), so "Alice" and "alice" are one user; passwords
// after the RFC 8265 OpaqueString profile (RFC 4616, Section 2 recommends
// preparing both). Passwords are kept only as SHA-256 digests salted with
// the prepared user name, and compared with [crypto/subtle] over the
// digests, so the comparison takes the same time whatever the lengths. An
// unknown user costs the same digest and comparison as a known one with a
// wrong password, and both give [ErrInvalidCredentials].
//
// The digests are for constant-time comparison, not for storage at rest:
// SHA-256 is fast, so keep a real password hash (bcrypt, argon2) in a
// directory that outlives the process.
//
// Use [NewUsers]; the zero value is not usable. A Users is safe for
// concurrent use.
type Users struct {
	mu    sync.RWMutex
	users map[string]userEntry
	// aliases maps another login name to a key of users.
	aliases map[string]string
	// dummy is compared against when the user is unknown, so that path
	// does the same work as a wrong password.
	dummy [sha256.Size]byte
}

type userEntry struct {
	digest  [sha256.Size]byte
	address envelope.Mailbox
}

// ErrUserExists is returned by [Users.Add] for a name that, after RFC 8265
// preparation, is already in the store.
var ErrUserExists = errors.New("auth: user already exists")

// NewUsers returns an empty user store, whose names are prepared per
// RFC 8265, Section 3.3.
func NewUsers() *Users {
	return &Users{
		users:   make(map[string]userEntry),
		aliases: make(map[string]string),
		dummy:   passwordDigest("", ""),
	}
}

// Add adds a user with a password and primary address (the zero Mailbox if
// none). The address is reported in [Identity].Address, and [Senders]
// lets the identity use it (RFC 6409, Section 6.1).
//
// It returns an error, and adds nothing, when the name fails
// [NormalizeUsername], when the password is empty or fails the RFC 8265
// OpaqueString profile (RFC 8265, Section 4.2), and [ErrUserExists] when
// the prepared name is taken. The error never contains the password.
func (u *Users) Add(name, password string, address envelope.Mailbox) error {
	key, err := NormalizeUsername(name)
	if err != nil {
		return err
	}
	if password == "" {
		return errors.New("auth: empty password")
	}
	if len(password) > maxResponseLen {
		return fmt.Errorf("auth: password longer than %d octets", maxResponseLen)
	}
	p, err := PreparePassword(password)
	if err != nil {
		return err
	}
	e := userEntry{digest: passwordDigest(key, p), address: address}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.taken(key) {
		return fmt.Errorf("%w: %q", ErrUserExists, key)
	}
	u.users[key] = e
	return nil
}

// AddAlias adds alias as another login name of the existing user name, for
// example the full address "alice@example.org" beside "alice". Logging in
// with the alias authenticates the user with the user's password and
// reports the user's own name as [Identity].AuthenticationID, so one user
// has one identity however it logs in; an authzid naming the alias names
// the user (RFC 4422, Section 2). Both names are prepared with
// [NormalizeUsername].
//
// It returns an error when either name fails [NormalizeUsername], when name
// is not a user, and [ErrUserExists] when alias is already a user or an
// alias.
func (u *Users) AddAlias(alias, name string) error {
	a, err := NormalizeUsername(alias)
	if err != nil {
		return err
	}
	key, err := NormalizeUsername(name)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if _, ok := u.users[key]; !ok {
		return fmt.Errorf("auth: alias %q for unknown user %q", a, key)
	}
	if u.taken(a) {
		return fmt.Errorf("%w: %q", ErrUserExists, a)
	}
	u.aliases[a] = key
	return nil
}

// taken reports whether name is a user or an alias; u.mu must be held.
func (u *Users) taken(name string) bool {
	_, user := u.users[name]
	_, alias := u.aliases[name]
	return user || alias
}

// resolve maps a prepared login name to the user's key; u.mu must be held.
func (u *Users) resolve(name string) string {
	if key, ok := u.aliases[name]; ok {
		return key
	}
	return name
}

// AuthenticatePassword implements [Authenticator] (RFC 4616, Section 2).
// username may be the user's name or one of its aliases ([Users.AddAlias]).
// On success it returns an Identity with the user's prepared name as
// AuthenticationID, the user's address, and, when the client sent an
// authzid, the same name as AuthorizationID.
//
// A user may act only as itself: a non-empty authzid must name the same
// user (by name or alias, after [NormalizeUsername]), else the result is
// [ErrInvalidCredentials], as for an unknown user, a wrong password, or a
// name or password that fails RFC 8265 preparation. If ctx is already done
// it returns [ErrTemporary] wrapping ctx.Err().
func (u *Users) AuthenticatePassword(ctx context.Context, authzid, username, password string) (Identity, error) {
	if err := ctx.Err(); err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrTemporary, err)
	}
	name, nameErr := NormalizeUsername(username)
	p, passErr := PreparePassword(password)
	if len(password) > maxResponseLen {
		passErr = errors.New("password too long")
	}

	var az string
	var azErr error
	if authzid != "" {
		az, azErr = NormalizeUsername(authzid)
	}

	u.mu.RLock()
	key := u.resolve(name)
	e, known := u.users[key]
	azKey := u.resolve(az)
	u.mu.RUnlock()

	got := passwordDigest(key, p)
	want := &u.dummy
	if known {
		want = &e.digest
	}
	match := subtle.ConstantTimeCompare(got[:], want[:]) == 1
	if !known || !match || nameErr != nil || passErr != nil {
		return Identity{}, ErrInvalidCredentials
	}
	id := Identity{AuthenticationID: key, Address: e.address}
	if authzid != "" {
		if azErr != nil || azKey != key {
			return Identity{}, ErrInvalidCredentials
		}
		id.AuthorizationID = key
	}
	return id, nil
}

// passwordDigest is SHA-256 over the length-prefixed prepared user name
// and the prepared password; the name salts the digest so two users with
// one password have different digests. The input is assembled in a stack
// buffer (heap only for very long input) that is wiped afterwards.
func passwordDigest(name, password string) [sha256.Size]byte {
	var stack [256]byte
	b := binary.BigEndian.AppendUint32(stack[:0], uint32(len(name))) //nolint:gosec // len(name) <= maxNameLen
	b = append(b, name...)
	b = append(b, password...)
	d := sha256.Sum256(b)
	clear(b)
	return d
}
