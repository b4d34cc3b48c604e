package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// keygenCommand is the subcommand that makes a DKIM key:
//
//	go run ./examples/msa dkim-keygen -domain D -selector S [-algorithm rsa|ed25519] [-out FILE]
const keygenCommand = "dkim-keygen"

// keygen writes a new DKIM private key to a file only its owner may read
// (0600, never over an existing file) and prints the DNS TXT record to
// publish at S._domainkey.D (RFC 6376, Section 3.6.2.1) and the -dkim-key
// flag that uses the key.
//
// The default algorithm is RSA (2048 bits): every verifier must check
// rsa-sha256 (RFC 6376, Section 3.3), while ed25519-sha256 (RFC 8463) is
// still ignored by several large receivers, where a message signed with an
// Ed25519 key alone counts as unsigned. Ed25519 is the better key where it
// is checked: make a second key with -algorithm ed25519 and another
// selector, and give both to -dkim-key, so that every message carries both
// signatures.
func keygen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("msa "+keygenCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	domain := fs.String("domain", "", "the signing `DOMAIN` (d=), the domain of the From addresses to sign")
	selector := fs.String("selector", "", "the `SELECTOR` (s=) under which the key is published, e.g. s2026")
	algorithm := fs.String("algorithm", dkim.KeyTypeRSA, "key `TYPE`: rsa (2048 bits, checked everywhere) or ed25519 (RFC 8463)")
	out := fs.String("out", "", "private key `FILE` to write (default SELECTOR._domainkey.DOMAIN.pem)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", msaconfig.ErrUsage, err)
	}
	if fs.NArg() > 0 || *domain == "" || *selector == "" {
		fmt.Fprintf(stderr, "usage: msa %s -domain DOMAIN -selector SELECTOR [-algorithm rsa|ed25519] [-out FILE]\n", keygenCommand)
		return fmt.Errorf("%w: -domain and -selector are required", msaconfig.ErrUsage)
	}
	d, err := envelope.ParseDomain(*domain)
	if err != nil {
		return fmt.Errorf("-domain %q: %w", *domain, err)
	}
	key, err := dkim.GenerateKey(*algorithm, rand.Reader)
	if err != nil {
		return err
	}
	// New checks the domain and the selector as the server will.
	if _, err := dkim.New(dkim.Config{Keys: []dkim.Key{{Domain: d, Selector: *selector, Signer: key}}}); err != nil {
		return err
	}
	pemBytes, err := dkim.MarshalPrivateKey(key)
	if err != nil {
		return err
	}
	record, err := dkim.Record(key)
	if err != nil {
		return err
	}
	name := *selector + "._domainkey." + d.ASCII()
	file := *out
	if file == "" {
		file = name + ".pem"
	}
	if err := writeNewFile(file, pemBytes); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the %s private key to %s (mode 0600; keep it secret)\n", *algorithm, file)
	fmt.Fprintf(stdout, "publish this DNS TXT record (RFC 6376, Section 3.6.2.1):\n\n%s\n\n", zoneTXT(name+".", record))
	fmt.Fprintf(stdout, "then sign with it:\n  go run ./examples/msa -dkim-key %s:%s:%s\n", d.ASCII(), *selector, file)
	return nil
}

// writeNewFile writes data to a new file of mode 0600, fsynced; it never
// replaces an existing file (a key in use would be lost), and leaves no
// file behind on error.
func writeNewFile(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: not replacing a key that may be in use (choose another -selector or -out)", name)
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(name)
	}
	return err
}

// zoneTXT is a zone-file TXT record for value: character-strings of at
// most 255 octets (RFC 1035, Section 3.3.14), which DNS concatenates for
// DKIM (RFC 6376, Section 3.6.2.2); a 2048-bit RSA record needs two.
func zoneTXT(name, value string) string {
	var parts []string
	for len(value) > 255 {
		parts = append(parts, `"`+value[:255]+`"`)
		value = value[255:]
	}
	parts = append(parts, `"`+value+`"`)
	if len(parts) == 1 {
		return name + " IN TXT " + parts[0]
	}
	return name + " IN TXT ( " + strings.Join(parts, "\n\t") + " )"
}
