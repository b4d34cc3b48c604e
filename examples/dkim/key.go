package dkim

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// The key types of the k= tag (RFC 6376, Section 3.6.1; RFC 8463, Section
// 4.2), as [GenerateKey] takes them.
const (
	KeyTypeRSA     = "rsa"     // rsa-sha256, RFC 6376, Section 3.3.2
	KeyTypeEd25519 = "ed25519" // ed25519-sha256, RFC 8463, Section 3
)

// RSA key sizes a signer may use: at least 1024 bits (RFC 6376, Section
// 3.3.3; RFC 8301, Section 3.2 keeps the floor and asks for 2048), at most
// the 4096 bits RFC 8301, Section 3.2 requires verifiers to handle.
const (
	minRSABits = 1024
	maxRSABits = 4096
	// GenerateKey's RSA size: the 2048 bits RFC 8301, Section 3.2 says
	// signers SHOULD use; its DNS record still fits one UDP answer.
	defaultRSABits = 2048
)

// maxKeyFile bounds what ParsePrivateKey reads: a PEM 4096-bit RSA key is
// about 3.3 KB.
const maxKeyFile = 64 << 10

// GenerateKey makes a new signing key of keyType, [KeyTypeRSA] (2048 bits,
// RFC 8301, Section 3.2) or [KeyTypeEd25519] (RFC 8463, Section 3), from
// random (nil means crypto/rand).
func GenerateKey(keyType string, random io.Reader) (crypto.Signer, error) {
	switch keyType {
	case KeyTypeRSA:
		return rsa.GenerateKey(random, defaultRSABits)
	case KeyTypeEd25519:
		_, k, err := ed25519.GenerateKey(random)
		return k, err
	}
	return nil, fmt.Errorf("dkim: unknown key type %q (want %q or %q)", keyType, KeyTypeRSA, KeyTypeEd25519)
}

// MarshalPrivateKey encodes k, an RSA or Ed25519 signing key, as a PKCS #8
// "PRIVATE KEY" PEM block (RFC 5208, RFC 7468, Section 10; Ed25519 per RFC
// 8410), the format [ParsePrivateKey] and OpenSSL read.
func MarshalPrivateKey(k crypto.Signer) ([]byte, error) {
	if _, err := keyType(k); err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a signing key from the contents of a key file:
//
//   - a PEM "PRIVATE KEY" block, PKCS #8 (RFC 5208), holding an RSA or an
//     Ed25519 key (RFC 8410), as [MarshalPrivateKey] and "openssl genpkey"
//     write;
//   - a PEM "RSA PRIVATE KEY" block, PKCS #1 (RFC 8017, Appendix A.1.2), as
//     "openssl genrsa" and dkimpy's dknewkey write;
//   - the base64 of a 32-octet Ed25519 seed (RFC 8032, Section 5.1.5), as
//     dknewkey --ktype ed25519 writes.
//
// An RSA key must have 1024 to 4096 bits (RFC 8301, Section 3.2). Input
// over 64 KiB is refused.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	if len(data) > maxKeyFile {
		return nil, errors.New("dkim: key file larger than 64 KiB")
	}
	block, _ := pem.Decode(data)
	if block == nil {
		seed, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(data)))
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, errors.New("dkim: key is neither PEM nor a base64 Ed25519 seed")
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	var k any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("dkim: PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("dkim: unsupported key %T", k)
	}
	if _, err := keyType(s); err != nil {
		return nil, err
	}
	return s, nil
}

// keyType returns the k= name of k's algorithm, and refuses every other
// key, and RSA keys outside 1024-4096 bits (RFC 8301, Section 3.2).
func keyType(k crypto.Signer) (string, error) {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		if n := pub.N.BitLen(); n < minRSABits || n > maxRSABits {
			return "", fmt.Errorf("dkim: RSA key of %d bits; RFC 8301, Section 3.2 wants %d to %d", n, minRSABits, maxRSABits)
		}
		return KeyTypeRSA, nil
	case ed25519.PublicKey:
		return KeyTypeEd25519, nil
	}
	return "", fmt.Errorf("dkim: unsupported key type %T (want RSA or Ed25519)", k.Public())
}

// Record returns the DNS TXT record that publishes the public half of k at
// <selector>._domainkey.<domain> (RFC 6376, Sections 3.6.1 and 3.6.2.1):
//
//	v=DKIM1; k=rsa; h=sha256; p=<base64 SubjectPublicKeyInfo>
//	v=DKIM1; k=ed25519; p=<base64 of the 32-octet public key>
//
// For RSA, p= holds the SubjectPublicKeyInfo (RFC 5280, Section 4.1) of RFC
// 6376's own example (Appendix C) and of "openssl rsa -pubout", which
// every verifier reads, rather than the bare RSAPublicKey that Section
// 3.6.1's prose names; h=sha256 tells verifiers not to accept rsa-sha1
// (RFC 8301, Section 3.1). For Ed25519, p= is the raw key (RFC 8463,
// Section 4.2). An RSA record is longer than 255 octets: in a zone file it
// must be split into several character-strings (RFC 1035, Section 3.3.14),
// which DNS concatenates (RFC 6376, Section 3.6.2.2).
func Record(k crypto.Signer) (string, error) {
	kt, err := keyType(k)
	if err != nil {
		return "", err
	}
	if kt == KeyTypeEd25519 {
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)), nil
	}
	der, err := x509.MarshalPKIXPublicKey(k.Public())
	if err != nil {
		return "", fmt.Errorf("dkim: %w", err)
	}
	return "v=DKIM1; k=rsa; h=sha256; p=" + base64.StdEncoding.EncodeToString(der), nil
}
