package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// resignHeader bounds the header block of a converted message read for
// signing: submission.Downgrade refuses a header block over 1 MiB and adds
// at most MIME-Version and Content-Transfer-Encoding to it. msakit bounded
// its fields and lines when the client sent them.
var resignHeader = header.ReadOptions{MaxSize: 2 << 20, MaxFields: -1, MaxLineLen: -1}

// resign signs again the message in f, the 7-bit form submission.Downgrade
// made of a message signed at DATA time (old holds those signature
// fields): RFC 6376, Section 5.3 wants a message converted before it is
// signed, and the conversion changed the body and the MIME fields the
// signature covers. The new signature is made by the same signer, for the
// same signing domains (the d= of old, which the agent chose among the
// authors the submitter may send as, submission.SignRequest.Authors), over
// the converted header and body, streamed from f: memory stays O(header).
// It returns the new signature fields and leaves f at its start.
//
// Without a signer, or when old names no domain, the message cannot be
// signed again: 451 4.6.3, as a conversion under the old signature would
// only fail at the receivers' checks.
func (r *relay) resign(ctx context.Context, id auth.Identity, old []byte, f *os.File) ([]byte, error) {
	domains := signingDomains(old)
	if r.signer == nil || len(domains) == 0 {
		return nil, &policy.Reply{Code: 451, Enhanced: "4.6.3",
			Text: "Signed 8-bit message cannot be converted to 7-bit for the upstream relay, try again later"}
	}
	br := bufio.NewReader(f)
	h, err := header.Read(br, resignHeader)
	if err != nil {
		return nil, fmt.Errorf("relay: reading the converted header: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx) // the signer's context ends with the message
	defer cancel()
	bs, err := r.signer.Sign(sctx, submission.SignRequest{Identity: id, Authors: authorsIn(h, domains), Header: h})
	if err != nil {
		return nil, fmt.Errorf("relay: signing the 7-bit form: %w", err)
	}
	if bs == nil {
		return nil, fmt.Errorf("relay: no key of %s signs the 7-bit form of a message signed at submission", strings.Join(domains, ", "))
	}
	if _, err := io.Copy(bs, br); err != nil {
		return nil, fmt.Errorf("relay: signing the 7-bit form: %w", err)
	}
	sig, err := bs.Sum()
	if err != nil {
		return nil, fmt.Errorf("relay: signing the 7-bit form: %w", err)
	}
	if len(sig) == 0 {
		return nil, errors.New("relay: the signer made no signature for the 7-bit form of a message signed at submission")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("relay: staging: %w", err)
	}
	return sig, nil
}

// signingDomains returns the signing domains (d=, RFC 6376, Section 3.5)
// of the DKIM-Signature fields in sig, lower case, each once.
func signingDomains(sig []byte) []string {
	h, err := header.Read(bufio.NewReader(bytes.NewReader(sig)), header.ReadOptions{MaxFields: -1, MaxLineLen: -1})
	if err != nil {
		return nil
	}
	var out []string
	for _, f := range h.All() {
		if !f.HasName("DKIM-Signature") {
			continue
		}
		// tag-list = tag-spec *( ";" tag-spec ) [ ";" ], tag-spec =
		// [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS] (Section 3.2).
		for spec := range strings.SplitSeq(f.Value(), ";") {
			name, value, ok := strings.Cut(spec, "=")
			if !ok || strings.TrimSpace(name) != "d" {
				continue
			}
			if d := strings.ToLower(strings.Join(strings.Fields(value), "")); d != "" && !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}

// authorsIn returns the mailboxes of h's From fields, then of its
// Resent-From fields (RFC 5322, Sections 3.6.2 and 3.6.6), whose domain
// is one of domains: the authors the agent's signer chose at DATA time.
func authorsIn(h *header.Header, domains []string) []envelope.Mailbox {
	var out []envelope.Mailbox
	for _, name := range []string{"From", "Resent-From"} {
		for _, v := range h.Values(name) {
			addrs, err := header.ParseAddressList(v)
			if err != nil {
				continue
			}
			for _, a := range addrs {
				if slices.Contains(domains, a.Mailbox.Domain.ASCII()) {
					out = append(out, a.Mailbox)
				}
			}
		}
	}
	return out
}
