// Command msakit-milter runs msakit's RFC 6409 submission policy as a mail
// filter for Postfix or Sendmail (package examples/milter): the MTA keeps
// SMTP, TLS, SASL and its queue, and asks msakit over the milter protocol
// whether MAIL, RCPT and the message may pass and what to change.
//
// Usage:
//
//	go run ./examples/msakit-milter [flags]
//
// Flags:
//
//	-listen ADDR          where the MTA connects: HOST:PORT, inet:HOST:PORT or
//	                      unix:PATH (default 127.0.0.1:8891)
//	-hostname NAME        this MSA's name, in the Message-IDs it adds (default localhost)
//	-domain DOMAIN        local domain: default user addresses, -expand-single-level
//	                      (default example.org)
//	-user NAME[:ADDR,ADDR...]
//	                      a SASL login name, as the MTA reports it in {auth_authen},
//	                      and the addresses it may send as (repeatable; "@domain"
//	                      allows a whole domain); the first full address is the
//	                      user's own
//	-trusted CIDR         network that may submit without AUTH (repeatable)
//	-daemon NAME          check only this MTA service, by {daemon_name}
//	                      (repeatable; default: every connection)
//	-dkim DOMAIN:SELECTOR:KEYFILE
//	                      sign mail from DOMAIN with the key in KEYFILE (PEM, or
//	                      dknewkey's Ed25519 seed), published at
//	                      SELECTOR._domainkey.DOMAIN (RFC 6376; repeatable)
//	-max-size BYTES       message size limit, RFC 1870 (default: msakit's 32 MiB)
//	-max-recipients N     recipients per message (default 100)
//	-expand-single-level  expand single-label domains with -domain (RFC 6409, Section 4.2)
//	-log-json             JSON logs instead of text
//
// A login without a -user flag may send as itself when it is an address
// ("alice@example.org", the usual login of Dovecot and Cyrus with realms),
// else as NAME@DOMAIN: the rule of Postfix's reject_sender_login_mismatch
// with the obvious map. msakit checks MAIL FROM and the From and Sender
// fields against it (550 5.7.1), adds Date and Message-ID when missing,
// removes Bcc and, with -dkim, signs what it accepted (the DKIM-Signature
// goes on top of the header, above the MTA's Received).
//
// Passwords stay with the MTA's SASL, so -user has none. A unix socket is
// created with the process umask; the MTA's user (postfix) must be able to
// write to it. The start line goes to standard output, logs to standard
// error. SIGINT or SIGTERM stops accepting MTA connections and waits for
// the open ones (Postfix holds one per SMTP session) for up to 30 seconds;
// a second signal exits at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	gomilter "github.com/d--j/go-milter"
)

func main() {
	// go-milter reports protocol warnings through this package variable
	// (the standard log package by default).
	gomilter.LogWarning = func(format string, v ...any) {
		fmt.Fprintf(os.Stderr, "msakit-milter: go-milter: "+format+"\n", v...)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the program at once.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "msakit-milter:", err)
		os.Exit(1)
	}
}
