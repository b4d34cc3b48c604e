// Command msakit-milter runs msakit's RFC 6409 submission policy as a mail
// filter for Postfix or Sendmail (package examples/milter): the MTA keeps
// SMTP, TLS, SASL and its queue, and asks msakit over the milter protocol
// whether MAIL, RCPT and the message may pass and what to change.
//
// Usage:
//
//	go run ./examples/msakit-milter [-config FILE] [flags]
//	go run ./examples/msakit-milter -version
//
// It reads the config file of examples/msa (TOML; msa.example.toml there
// documents every key), so a site that runs both keeps one file: the
// users and the addresses each may send as ([[user]]: name, addresses,
// recipients), subaddresses, trusted networks, local and partial domains,
// the TLD check, rewriting, add-sender, keep-bcc, add-missing-from,
// allow-postmaster, size and recipient limits, rate limits (and Redis),
// the stage timeout, DKIM keys and logging. Its own settings are the
// [milter] table: listen (where the MTA connects: HOST:PORT,
// inet:HOST:PORT, inet:PORT@HOST or unix:PATH; default
// inet:127.0.0.1:8891) and daemon (the MTA services to check, by
// {daemon_name}). The keys that mean nothing behind an MTA (examples/msa's
// listeners, TLS certificate, spool, relay, SMTP timeouts, connection
// limits, AUTH failure limits, metrics, and the users' password-hash: the
// MTA runs AUTH) are read with their types, so a bad value is an error
// here too, and otherwise ignored, named in one Info line at start.
//
// Each setting is also a flag of the same name (-h lists them; [milter]'s
// are -listen and -daemon); a flag given overrides the file. -user
// NAME[:ADDR,...] adds a login, as the MTA reports it in {auth_authen},
// with the addresses it may send as (@domain for a whole domain).
//
// A login the users do not list may send as itself when it is an address
// ("alice@example.org", the usual login of Dovecot and Cyrus with realms),
// else as NAME@DOMAIN: the rule of Postfix's reject_sender_login_mismatch
// with the obvious map. msakit checks MAIL FROM and the From and Sender
// fields against the user's addresses (550 5.7.1), adds Date and
// Message-ID when missing, removes Bcc and, with dkim-key, signs what it
// accepted (the DKIM-Signature goes on top of the header, above the MTA's
// Received).
//
// SIGHUP reloads the users from the file (as examples/msa does); a file
// that no longer loads keeps the users in force and logs the error. A unix
// socket is created with the process umask; the MTA's user (postfix) must
// be able to write to it. The start line goes to standard output, logs to
// standard error. Errors in flags or in the file are one line that names
// the flag or the file's line (exit status 2 for a bad command line, 1 for
// any other error). SIGINT or SIGTERM stops accepting MTA connections and
// waits for the open ones (Postfix holds one per SMTP session) for up to 30
// seconds; a second signal exits at once.
package main

import (
	"fmt"
	"os"

	gomilter "github.com/d--j/go-milter"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

func main() {
	// go-milter reports protocol warnings through this package variable
	// (the standard log package by default).
	gomilter.LogWarning = func(format string, v ...any) {
		fmt.Fprintf(os.Stderr, "msakit-milter: go-milter: "+format+"\n", v...)
	}
	msaconfig.Main("msakit-milter", run)
}
