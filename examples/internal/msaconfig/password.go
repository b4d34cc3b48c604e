package msaconfig

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"

	"github.com/msakit/msakit/auth"
)

// Password hashes in the config file: argon2id (RFC 9106) in the PHC string
// format that libargon2, Dovecot and passlib write,
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// (m in KiB, salt and hash in unpadded standard base64), or bcrypt
// ($2a$, $2b$ or $2y$, as htpasswd -B and Dovecot's BLF-CRYPT write). A
// password is prepared with [auth.PreparePassword] (RFC 8265, Section 4.2)
// before it is hashed and before it is checked.

// Argon2id parameters of hash-password: the second recommended option of
// RFC 9106, Section 4 (t=3, p=4, m=64 MiB), a 128-bit salt and a 256-bit
// tag.
const (
	argon2Time    = 3
	argon2Memory  = 64 * 1024 // KiB
	argon2Threads = 4
	argon2SaltLen = 16
	argon2KeyLen  = 32
)

// bcryptCost is hash-password's bcrypt cost (2^12 rounds).
const bcryptCost = 12

// Bounds on what a hash in the file may ask for, so that a typo cannot
// make every AUTH allocate gigabytes or run for minutes.
const (
	maxArgon2Memory = 1 << 20 // KiB: 1 GiB
	maxArgon2Time   = 64
	maxBcryptCost   = 16
)

// Below these a hash is accepted but logged as weak at start: OWASP's
// minimum for argon2id (19 MiB, t=2) and bcrypt's customary 10.
const (
	weakArgon2Memory = 19 * 1024
	weakBcryptCost   = 10
)

// verifier checks a prepared password against one stored credential.
type verifier interface {
	verify(password string) bool
	// weak reports parameters below the customary minimum.
	weak() bool
}

// argon2Hash is a parsed argon2id hash.
type argon2Hash struct {
	time, memory uint32
	threads      uint8
	salt, key    []byte
}

func (h *argon2Hash) verify(password string) bool {
	got := argon2.IDKey([]byte(password), h.salt, h.time, h.memory, h.threads, uint32(len(h.key))) //nolint:gosec // len(key) <= 64
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

func (h *argon2Hash) weak() bool { return h.memory < weakArgon2Memory || h.time < 2 }

// bcryptHash is a bcrypt hash, checked by x/crypto/bcrypt.
type bcryptHash struct {
	hash []byte
	cost int
}

// verify refuses a password over 72 octets, which bcrypt would cut short:
// it would match every password sharing its first 72 octets.
func (h *bcryptHash) verify(password string) bool {
	return len(password) <= 72 && bcrypt.CompareHashAndPassword(h.hash, []byte(password)) == nil
}

func (h *bcryptHash) weak() bool { return h.cost < weakBcryptCost }

// plainPassword is a password given in clear (-user): kept as its SHA-256
// digest salted with the user name, compared in constant time.
type plainPassword struct {
	name   string
	digest [sha256.Size]byte
}

func newPlainPassword(name, prepared string) *plainPassword {
	return &plainPassword{name: name, digest: saltedDigest(name, prepared)}
}

func saltedDigest(name, password string) [sha256.Size]byte {
	return sha256.Sum256([]byte(strconv.Itoa(len(name)) + ":" + name + password))
}

func (p *plainPassword) verify(password string) bool {
	got := saltedDigest(p.name, password)
	return subtle.ConstantTimeCompare(got[:], p.digest[:]) == 1
}

func (p *plainPassword) weak() bool { return false }

// errNotAHash is the error for a password-hash that is neither format. It
// never quotes the value.
var errNotAHash = errors.New("not an argon2id or bcrypt hash (make one with: msa hash-password)")

// parseHash parses an argon2id or bcrypt hash.
func parseHash(s string) (verifier, error) {
	switch {
	case strings.HasPrefix(s, "$argon2id$"):
		return parseArgon2(s)
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		cost, err := bcrypt.Cost([]byte(s))
		if err != nil || len(s) != 60 {
			return nil, errors.New("not a valid bcrypt hash")
		}
		if cost > maxBcryptCost {
			return nil, fmt.Errorf("bcrypt hash: cost %d is over %d", cost, maxBcryptCost)
		}
		return &bcryptHash{hash: []byte(s), cost: cost}, nil
	}
	return nil, errNotAHash
}

// parseArgon2 parses $argon2id$v=19$m=M,t=T,p=P$SALT$HASH.
func parseArgon2(s string) (*argon2Hash, error) {
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" || f[2] != "v=19" {
		return nil, errors.New("not a valid argon2id hash: want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH")
	}
	var m, t, p uint64
	params := strings.Split(f[3], ",")
	if len(params) != 3 {
		return nil, errors.New("argon2id hash: want the parameters m=M,t=T,p=P")
	}
	for i, want := range []struct {
		name string
		v    *uint64
		max  uint64
	}{{"m", &m, maxArgon2Memory}, {"t", &t, maxArgon2Time}, {"p", &p, 255}} {
		v, ok := strings.CutPrefix(params[i], want.name+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil || n == 0 || n > want.max {
			return nil, fmt.Errorf("argon2id hash: parameter %s must be from 1 to %d", want.name, want.max)
		}
		*want.v = n
	}
	if m < 8*p {
		return nil, errors.New("argon2id hash: m must be at least 8 times p (RFC 9106, Section 3.1)")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	key, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(salt) > 64 || len(key) < 16 || len(key) > 64 {
		return nil, errors.New("argon2id hash: salt (8 to 64 octets) or hash (16 to 64 octets) is not valid base64")
	}
	return &argon2Hash{time: uint32(t), memory: uint32(m), threads: uint8(p), salt: salt, key: key}, nil //nolint:gosec // bounded above
}

// HashParams are the parameters of a password hash (hash-password).
type HashParams struct {
	Bcrypt  bool   // bcrypt instead of argon2id
	Cost    int    // bcrypt's
	Time    uint32 // argon2id's passes
	Memory  uint32 // argon2id's, in KiB
	Threads uint8  // argon2id's lanes
}

// defaultHashParams: argon2id with the second recommended option of RFC
// 9106, Section 4; bcrypt cost 12 with -bcrypt.
var defaultHashParams = HashParams{Cost: bcryptCost, Time: argon2Time, Memory: argon2Memory, Threads: argon2Threads}

// HashPassword prepares password (RFC 8265, Section 4.2) and hashes it for
// a [[user]]'s password-hash, as hash-password does.
// random supplies the argon2id salt; bcrypt takes its own from
// crypto/rand.
func HashPassword(password string, hp HashParams, random io.Reader) (string, error) {
	p, err := auth.PreparePassword(password)
	if err != nil {
		return "", err
	}
	if hp.Bcrypt {
		h, err := bcrypt.GenerateFromPassword([]byte(p), hp.Cost)
		if err != nil {
			return "", fmt.Errorf("bcrypt: %w", err)
		}
		return string(h), nil
	}
	return argon2String(p, hp.Time, hp.Memory, hp.Threads, random)
}

// argon2String hashes an already prepared password with the given
// parameters and formats the PHC string.
func argon2String(prepared string, t, m uint32, p uint8, random io.Reader) (string, error) {
	salt := make([]byte, argon2SaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return "", fmt.Errorf("reading a salt: %w", err)
	}
	key := argon2.IDKey([]byte(prepared), salt, t, m, p, argon2KeyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// passwordHash is the password-hash key of a user in the config file.
type passwordHash struct{ v verifier }

func (h *passwordHash) UnmarshalText(b []byte) error {
	v, err := parseHash(string(b))
	if err != nil {
		return err
	}
	h.v = v
	return nil
}
