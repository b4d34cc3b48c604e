package dkim_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/submission"
)

// TestRecordMatchesOtherTools: the DNS record of a key file made by another
// tool equals the record that tool printed (OpenSSL's SubjectPublicKeyInfo
// for RSA, dknewkey's raw key for Ed25519).
func TestRecordMatchesOtherTools(t *testing.T) {
	t.Parallel()
	for _, k := range []testKey{keyRSA, keyEd25519, keyDKNewKeyE} {
		got, err := dkim.Record(loadKey(t, k))
		if err != nil {
			t.Fatalf("Record(%s): %v", k.file, err)
		}
		if want := strings.TrimSpace(string(readTestdata(t, "keys/"+k.dns))); got != want {
			t.Errorf("Record(%s) =\n%s\nwant (from %s)\n%s", k.file, got, k.dns, want)
		}
	}
}

// TestParsePrivateKeyRefuses: what is not an RSA (1024 to 4096 bits) or
// Ed25519 private key.
func TestParsePrivateKeyRefuses(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	big8k := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 8191), E: 65537}}
	cases := map[string][]byte{
		"512-bit RSA":       readTestdata(t, "keys/rsa512-pkcs1.pem"),
		"ECDSA":             pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}),
		"public key":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}}),
		"broken PKCS #8":    pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"broken PKCS #1":    pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte{1, 2, 3}}),
		"empty":             nil,
		"31-octet seed":     []byte("5eg4XydgO/yjXVHnnY593GGAKzG1aqEcw/IASaIAgg=="),
		"not base64":        []byte("not a key"),
		"larger than 64KiB": bytes.Repeat([]byte("A"), 65<<10),
	}
	for name, in := range cases {
		if k, err := dkim.ParsePrivateKey(in); err == nil {
			t.Errorf("%s: ParsePrivateKey = %T, want an error", name, k)
		}
	}
	if _, err := dkim.Record(big8k); err == nil {
		t.Error("Record accepted an 8192-bit RSA key")
	}
	if _, err := dkim.MarshalPrivateKey(ec); err == nil {
		t.Error("MarshalPrivateKey accepted an ECDSA key")
	}
}

// TestGenerateKeyRoundTrip: a generated key survives MarshalPrivateKey and
// ParsePrivateKey, and signs messages that both verifiers accept with the
// record Record gives.
func TestGenerateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	if _, err := dkim.GenerateKey("dsa", nil); err == nil {
		t.Error(`GenerateKey("dsa") succeeded`)
	}
	for _, kt := range []string{dkim.KeyTypeEd25519, dkim.KeyTypeRSA} {
		t.Run(kt, func(t *testing.T) {
			t.Parallel()
			k, err := dkim.GenerateKey(kt, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if r, ok := k.(*rsa.PrivateKey); ok && r.N.BitLen() != 2048 {
				t.Errorf("RSA key of %d bits, want 2048", r.N.BitLen())
			}
			pemBytes, err := dkim.MarshalPrivateKey(k)
			if err != nil {
				t.Fatal(err)
			}
			back, err := dkim.ParsePrivateKey(pemBytes)
			if err != nil {
				t.Fatalf("ParsePrivateKey(MarshalPrivateKey(k)): %v", err)
			}
			rec, err := dkim.Record(back)
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := dkim.Record(k); rec != want {
				t.Fatalf("record changed through the PEM round trip:\n%s\n%s", rec, want)
			}
			s := newSigning(t, func(d *dkim.Config, _ *submission.Config) {
				d.Keys = []dkim.Key{{Domain: envelope.MustParseDomain("example.org"), Selector: "gen", Signer: back}}
			})
			s.records.Add("gen", "example.org", rec)
			msg := s.submit(t, string(readTestdata(t, "corpus/plain.eml")), nil)
			checkVerifies(t, kt, msg, s.records, "example.org", 1)
		})
	}
}

// FuzzParsePrivateKey: any input gives a key or an error, never a panic,
// and a key it returns is one Record accepts.
func FuzzParsePrivateKey(f *testing.F) {
	for _, name := range []string{"rsa2048.pem", "ed25519.pem", "rsa1024-pkcs1.pem", "ed25519-dknewkey.key", "rsa512-pkcs1.pem"} {
		f.Add(readTestdata(f, "keys/"+name))
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"))
	f.Add(ed25519.NewKeyFromSeed(make([]byte, 32)).Seed())
	f.Fuzz(func(t *testing.T, in []byte) {
		k, err := dkim.ParsePrivateKey(in)
		if err != nil {
			return
		}
		if _, err := dkim.Record(k); err != nil {
			t.Fatalf("ParsePrivateKey returned a key Record refuses: %v", err)
		}
	})
}
