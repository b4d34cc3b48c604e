package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// renewBefore is how long before its end a kept self-signed certificate
// is replaced by a new one at start.
const renewBefore = 30 * 24 * time.Hour

// selfSignedPaths are where the self-signed certificate and its key are
// kept: beside the spool directory, named after it ("spool" gives
// spool-selfsigned.crt and spool-selfsigned.key), so that clients can be
// told to trust the certificate and it stays the same across restarts.
func selfSignedPaths(spool string) (certFile, keyFile string) {
	base := filepath.Clean(spool)
	return base + "-selfsigned.crt", base + "-selfsigned.key"
}

// keptSelfSigned returns the self-signed certificate for hostname kept
// beside spool, or a new one written there (the key with mode 0600). A
// kept one is used while it is valid for hostname for at least
// renewBefore. When the files cannot be written, the new certificate is
// used from memory and the reason logged at Warn; it returns the path of
// the certificate file, "" then.
func keptSelfSigned(spool, hostname string, now time.Time, random io.Reader, logger *slog.Logger) (tls.Certificate, string, error) {
	certFile, keyFile := selfSignedPaths(spool)
	if c, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && c.Leaf != nil &&
		c.Leaf.VerifyHostname(hostname) == nil && now.Add(renewBefore).Before(c.Leaf.NotAfter) && !now.Before(c.Leaf.NotBefore) {
		if fi, err := os.Stat(keyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			logger.LogAttrs(context.Background(), slog.LevelWarn, "self-signed certificate's key readable by others; chmod 600 it",
				slog.String("file", keyFile), slog.String("mode", fi.Mode().Perm().String()))
		}
		return c, certFile, nil
	}
	c, err := selfSigned(hostname, now, random)
	if err != nil {
		return c, "", err
	}
	if err := writeSelfSigned(c, certFile, keyFile); err != nil {
		logger.LogAttrs(context.Background(), slog.LevelWarn, "self-signed certificate not kept: a new one will be made at the next start",
			slog.Any("err", err))
		return c, "", nil
	}
	return c, certFile, nil
}

// writeSelfSigned writes c's certificate (PEM, mode 0644) and key (PKCS #8
// PEM, mode 0600), each to a temporary file renamed over the old one, the
// key first.
func writeSelfSigned(c tls.Certificate, certFile, keyFile string) error {
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o644)
}

// writeFileAtomic writes data to a temporary file beside name with mode
// perm, fsyncs it and renames it to name.
func writeFileAtomic(name string, data []byte, perm os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-"+filepath.Base(name)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// selfSigned returns a certificate for hostname, localhost, 127.0.0.1 and
// ::1, valid for a year from now. Clients must be told not to verify it.
func selfSigned(hostname string, now time.Time, random io.Reader) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), random)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generating key: %w", err)
	}
	serial, err := randInt(random)
	if err != nil {
		return tls.Certificate{}, err
	}
	names := []string{"localhost"}
	if hostname != "" && hostname != "localhost" {
		names = append([]string{hostname}, names...)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: names[0], Organization: []string{"msakit example MSA"}},
		DNSNames:              names,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(random, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("creating certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func randInt(random io.Reader) (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return nil, fmt.Errorf("reading random serial: %w", err)
	}
	b[0] &= 0x7f
	return new(big.Int).SetBytes(b[:]), nil
}

// fingerprint returns the SHA-256 fingerprint of a certificate's leaf, in
// the colon-separated form openssl prints.
func fingerprint(c tls.Certificate) string {
	if len(c.Certificate) == 0 {
		return ""
	}
	sum := sha256.Sum256(c.Certificate[0])
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
