package header

import (
	"crypto/tls"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
)

// refBuild is Received.build as it was before it wrote into one buffer:
// clauses as strings joined afterwards, tls.CipherSuiteName and
// FormatDate. FuzzReceivedBuild checks that build still gives the same
// value and errors.
func refBuild(r Received, smtputf8 bool) (string, error) {
	var errs []error
	// Clauses are kept whole on a line where they fit; the value is folded
	// between them (RFC 5322, Section 2.2.3; each clause starts with CFWS).
	var chunks []string
	from := "from "
	helo, herr := envelope.ParseDomain(r.Helo)
	switch {
	case herr == nil:
		from += helo.Format(smtputf8)
	case r.ClientAddr.IsValid():
		from += refAddressLiteral(r.ClientAddr)
	default:
		from += "unknown"
	}
	if r.ClientAddr.IsValid() {
		from += " (" + refAddressLiteral(r.ClientAddr) + ")"
	}
	chunks = append(chunks, from)
	if herr != nil {
		chunks = append(chunks, "(HELO "+commentText(r.Helo, 64)+")")
	}
	if r.By.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no by domain"))
		chunks = append(chunks, "by unknown")
	} else {
		chunks = append(chunks, "by "+r.By.Format(smtputf8))
	}
	if r.With != "" {
		if isAtom(r.With) {
			chunks = append(chunks, "with "+r.With)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: with is not an atom"))
		}
	}
	if r.TLSVersion != 0 {
		chunks = append(chunks, "("+commentText(tls.VersionName(r.TLSVersion), 32)+")")
	}
	if r.ID != "" {
		if _, err := ParseMessageID(r.ID); isAtom(r.ID) || err == nil && strings.HasPrefix(r.ID, "<") && strings.HasSuffix(r.ID, ">") {
			chunks = append(chunks, "id "+r.ID)
		} else {
			errs = append(errs, errAt(ErrSyntax, 0, "received: id is neither an atom nor a msg-id"))
		}
	}
	if !r.For.IsZero() && !r.For.IsNull() {
		if smtputf8 || r.For.IsASCII() {
			chunks = append(chunks, "for "+r.For.Format(smtputf8))
		} else {
			errs = append(errs, errAt(ErrNotASCII, 0, "received: UTF-8 recipient needs SMTPUTF8"))
		}
	}
	if r.TLSCipherSuite != 0 {
		chunks = append(chunks, "tls "+refCipherName(r.TLSCipherSuite))
	}
	chunks[len(chunks)-1] += ";"
	if r.Date.IsZero() {
		errs = append(errs, errAt(ErrSyntax, 0, "received: no date"))
	}
	chunks = append(chunks, FormatDate(r.Date))

	var b strings.Builder
	col := len("Received: ")
	for i, c := range chunks {
		if i > 0 {
			if col+1+len(c) > foldWidth {
				b.WriteString("\r\n")
				col = 0
			}
			b.WriteByte(' ')
			col++
		}
		b.WriteString(c)
		col += len(c)
	}
	return b.String(), errors.Join(errs...)
}

func refAddressLiteral(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return "[" + a.String() + "]"
	}
	return "[IPv6:" + a.String() + "]"
}

func refCipherName(id uint16) string {
	name := tls.CipherSuiteName(id)
	ok := name != "" && ascii.IsAlpha(name[0])
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = ascii.IsAlpha(c) || ascii.IsDigit(c) || c == '_'
	}
	if ok {
		return name
	}
	const hex = "0123456789ABCDEF"
	return "0x" + string([]byte{hex[id>>12], hex[id>>8&15], hex[id>>4&15], hex[id&15]})
}

// FuzzReceivedBuild is the differential property of Received.build: the
// same value and the same errors as refBuild.
func FuzzReceivedBuild(f *testing.F) {
	f.Add("client.example.org", []byte{192, 0, 2, 1}, "mail.example.net", "ESMTPSA", uint16(tls.VersionTLS13), uint16(tls.TLS_AES_128_GCM_SHA256), "abcdefghijklmnopqrst", "alice", "example.com", int64(1795982280), false)
	f.Add("[192.0.2.1]", []byte{0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, "b\u00fccher.example", "ESMTP", uint16(0x0301), uint16(0x1234), "<1@m>", "j\u00f6rg", "example.net", int64(0), true)
	f.Add("bad helo (x) \\ \x01 a very long helo name that goes on and on and on and on and on and on", []byte{}, "", "not an atom", uint16(0x9999), uint16(tls.TLS_RSA_WITH_RC4_128_SHA), "not an id", "", "", int64(-1), false)
	f.Add("x", []byte{10, 0, 0, 1}, "a-very-long-host-name-for-the-by-clause.subdomain.example.org", "UTF8SMTPSA", uint16(tls.VersionTLS12), uint16(tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384), "0123456789012345678901234567890123456789", "some.rather.long.local.part", "recipient-domain.example.org", int64(1e9), true)
	f.Add("x", []byte{}, "by.example", "ESMTP", uint16(0), uint16(0), "", "Postmaster", "", int64(5), false)
	f.Fuzz(func(t *testing.T, helo string, ip []byte, by, with string, version, suite uint16, id, local, dom string, unix int64, smtputf8 bool) {
		r := Received{Helo: helo, With: with, TLSVersion: version, TLSCipherSuite: suite, ID: id}
		if a, ok := netip.AddrFromSlice(ip); ok {
			r.ClientAddr = a
		}
		if d, err := envelope.ParseDomain(by); err == nil {
			r.By = d
		}
		if dom == "" && local == "Postmaster" {
			r.For = mustForward(t, "<Postmaster>")
		} else if d, err := envelope.ParseDomain(dom); err == nil {
			if m, err := envelope.NewMailbox(local, d); err == nil {
				r.For = envelope.NewPath(m)
			}
		}
		if unix != 0 {
			r.Date = time.Unix(unix, 0).In(time.FixedZone("", int(unix%50400)))
		}
		got, gotErr := r.build(smtputf8)
		want, wantErr := refBuild(r, smtputf8)
		if got != want {
			t.Fatalf("build = %q, refBuild = %q", got, want)
		}
		if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
			t.Fatalf("build error %v, refBuild %v", gotErr, wantErr)
		}
		lf, lerr := r.LenientField(smtputf8)
		nf, nerr := NewField("Received", r.Value(smtputf8), smtputf8)
		if string(lf.Raw()) != string(nf.Raw()) || (lerr == nil) != (nerr == nil) || lerr != nil && lerr.Error() != nerr.Error() {
			t.Fatalf("LenientField = %q, %v; NewField of Value = %q, %v", lf.Raw(), lerr, nf.Raw(), nerr)
		}
	})
}
