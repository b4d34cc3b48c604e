// Command msa is a complete RFC 6409 Message Submission Agent: msakit's
// default profile inside a go-smtp server, with a spool on disk.
//
// With no flags it listens on 127.0.0.1:1587 (STARTTLS, RFC 3207) with a
// self-signed certificate generated at start, creates the user "demo" with a
// random password (printed, with a ready-to-paste swaks command line), and
// writes each accepted message atomically to ./spool as <id>.eml (the bytes
// that would be relayed) and <id>.json (envelope, identity, client, time).
//
// Usage:
//
//	go run ./examples/msa [flags]
//	go run ./examples/msa dkim-keygen -domain D -selector S [-algorithm rsa|ed25519] [-out FILE]
//
// dkim-keygen writes a new DKIM private key (RSA 2048 by default, which
// every verifier checks; ed25519 per RFC 8463) to a new file of mode 0600,
// S._domainkey.D.pem unless -out says otherwise, and prints the DNS TXT
// record to publish and the -dkim-key flag that uses the key.
//
// Flags:
//
//	-listen ADDR          STARTTLS submission listener (default 127.0.0.1:1587; "" = off)
//	-listen-tls ADDR      implicit TLS submission listener, RFC 8314 (default off)
//	-hostname NAME        this server's name: greeting, Received, Message-ID (default localhost)
//	-domain DOMAIN        local domain: default user addresses, -expand-single-level (default example.org)
//	-user NAME:PASSWORD[:ADDR,ADDR...]
//	                      a user and the addresses it may send as (repeatable);
//	                      ADDR "@domain" allows a whole domain; default NAME@DOMAIN
//	-trusted CIDR         network that may submit without AUTH (repeatable)
//	-spool DIR            spool directory (default ./spool)
//	-relay HOST:PORT      forward accepted messages to this MTA instead of the spool,
//	                      synchronously: the client gets 250 when the MTA did;
//	                      8-bit messages are converted to 7-bit for an MTA
//	                      without 8BITMIME (RFC 6152, RFC 6409, Section 8.4)
//	-relay-tls MODE       STARTTLS to the relay: required (a verified certificate;
//	                      the default), opportunistic (the default for a
//	                      loopback relay) or none
//	-relay-ca FILE        PEM CA certificates to trust for the relay
//	-relay-user NAME      AUTH to the relay (RFC 4954) as NAME; the password is
//	                      read from -relay-password-file FILE or from the
//	                      environment variable MSA_RELAY_PASSWORD, never from
//	                      the command line (visible in ps)
//	-tls-cert FILE        PEM certificate chain (with -tls-key)
//	-tls-key FILE         PEM private key (with -tls-cert)
//	-max-size BYTES       message size limit, RFC 1870 (default: msakit's)
//	-max-recipients N     recipients per message (default 100, RFC 5321, Section 4.5.3.1.8)
//	-expand-single-level  expand single-label domains with -domain (RFC 6409, Section 4.2)
//	-log-json             JSON logs instead of text
//	-dkim-key DOMAIN:SELECTOR:FILE
//	                      sign mail whose From (or Resent-From) is in DOMAIN with the
//	                      key in FILE, published at SELECTOR._domainkey.DOMAIN (RFC 6376;
//	                      repeatable: every key of the domain signs, e.g. RSA and Ed25519)
//	-dkim-fields LIST     header fields to sign besides RFC 6376, Section 5.4.1's
//	                      (default Message-ID,Sender,MIME-Version,Content-Type,
//	                      Content-Transfer-Encoding)
//	-command-timeout DURATION
//	                      wait for each command line at most this long (default 5m,
//	                      RFC 5321, Section 4.5.3.2.7)
//	-data-timeout DURATION
//	                      wait for each block of message data, DATA or BDAT, at most
//	                      this long; the deadline moves on with every block (default 3m,
//	                      RFC 5321, Section 4.5.3.2.5)
//	-limit-messages N/DURATION
//	                      messages each user (or trusted address) may send per
//	                      window, such as 100/1h; refused with 451 4.7.1 (default 0: none)
//	-limit-recipients N/DURATION
//	                      recipients each user may send to per window, such as
//	                      500/1h; refused with 452 4.5.3 (default 0: none)
//	-limit-auth-failures N/DURATION
//	                      failed AUTH per client address (IPv6: per /64) before
//	                      AUTH gets 454 4.7.0, then 421 and the connection closed
//	                      (default 10/15m)
//	-limit-auth-failures-per-user N/DURATION
//	                      the same per user name (default 30/15m)
//	-redis ADDR           keep the counts in Redis (host:port or redis:// URL), shared
//	                      by every MSA using it (default: in this process)
//	-redis-prefix PREFIX  prefix of the Redis keys (default msakit:limit:)
//	-limits-fail-open     when Redis fails, let mail and AUTH through uncounted
//	                      (default: refuse them with 451 4.3.0 / 454 4.7.0); logged
//	                      at Error either way
//
// Logs go to standard error, the start banner to standard output. SIGINT or
// SIGTERM stops accepting connections, closes idle ones, lets transactions in
// flight finish (for up to 30 seconds), and exits; a second signal exits at
// once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, a second one ends the program at once
		// instead of waiting for the transactions in flight.
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
		fmt.Fprintln(os.Stderr, "msa:", err)
		os.Exit(1)
	}
}
