package msaconfig

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/examples/dkim"
)

// defaultDKIMFields are the header fields the programs sign besides RFC
// 6376, Section 5.4.1's list (which examples/dkim always signs): the
// message's identity and sender, and the MIME fields that decide how the
// body is shown, so that a replayed signature cannot come with a different
// Content-Type (RFC 6376, Section 5.4.1 notes that risk for l=; it holds
// for a swapped boundary or charset too).
const defaultDKIMFields = "Message-ID,Sender,MIME-Version,Content-Type,Content-Transfer-Encoding"

// dkimKeySpec is one dkim-key setting, DOMAIN:SELECTOR:FILE.
type dkimKeySpec struct {
	domain   envelope.Domain
	selector string
	file     string
}

func (k *dkimKeySpec) Set(s string) error {
	v, err := parseDKIMKey(s)
	if err != nil {
		return err
	}
	*k = v
	return nil
}

func (k *dkimKeySpec) String() string {
	if k.file == "" {
		return ""
	}
	return k.domain.ASCII() + ":" + k.selector + ":" + k.file
}

func (k *dkimKeySpec) UnmarshalText(b []byte) error { return k.Set(string(b)) }
func (k dkimKeySpec) MarshalText() ([]byte, error)  { return []byte(k.String()), nil }

// parseDKIMKey parses DOMAIN:SELECTOR:FILE; the file name may hold colons.
func parseDKIMKey(s string) (dkimKeySpec, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return dkimKeySpec{}, fmt.Errorf("%q: want DOMAIN:SELECTOR:FILE", s)
	}
	d, err := envelope.ParseDomain(parts[0])
	if err != nil {
		return dkimKeySpec{}, fmt.Errorf("%q: %w", s, err)
	}
	return dkimKeySpec{domain: d, selector: parts[1], file: parts[2]}, nil
}

// dkimSigner loads the keys of c and builds the signer; nil without
// dkim-key. A key file others may read is used but logged at Warn.
func (c *Settings) dkimSigner(logger *slog.Logger) (*dkim.Signer, error) {
	if len(c.DKIMKey) == 0 {
		return nil, nil
	}
	cfg := dkim.Config{}
	for _, f := range strings.Split(c.DKIMFields, ",") {
		if f = strings.TrimSpace(f); f != "" {
			cfg.Fields = append(cfg.Fields, f)
		}
	}
	for _, k := range c.DKIMKey {
		data, err := os.ReadFile(k.file)
		if err != nil {
			return nil, fmt.Errorf("-dkim-key: %w", err)
		}
		key, err := dkim.ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("-dkim-key %s: %w", k.file, err)
		}
		if fi, err := os.Stat(k.file); err == nil && fi.Mode().Perm()&0o077 != 0 {
			logger.LogAttrs(context.Background(), slog.LevelWarn, "DKIM key file readable by others; chmod 600 it",
				slog.String("file", k.file), slog.String("mode", fi.Mode().Perm().String()))
		}
		cfg.Keys = append(cfg.Keys, dkim.Key{Domain: k.domain, Selector: k.selector, Signer: key})
	}
	s, err := dkim.New(cfg)
	if err != nil {
		return nil, err
	}
	for _, k := range c.DKIMKey {
		logger.LogAttrs(context.Background(), slog.LevelInfo, "DKIM signing",
			slog.String("domain", k.domain.ASCII()), slog.String("selector", k.selector), slog.String("file", k.file))
	}
	return s, nil
}
