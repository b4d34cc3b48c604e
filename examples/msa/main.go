// Command msa is a complete RFC 6409 Message Submission Agent: msakit's
// default profile inside a go-smtp server, with a spool on disk.
//
// With no flags it listens on 127.0.0.1:1587 (STARTTLS, RFC 3207) with a
// self-signed certificate made at the first start and kept beside the spool
// (spool-selfsigned.crt, printed for clients to trust), creates the user "demo" with a
// random password (printed, with a ready-to-paste swaks command line), and
// writes each accepted message atomically to ./spool as <id>.eml (the bytes
// that would be relayed) and <id>.json (envelope, identity, client, time).
//
// Usage:
//
//	go run ./examples/msa [-config FILE] [flags]
//	go run ./examples/msa hash-password [-bcrypt] < password
//	go run ./examples/msa dkim-keygen -domain D -selector S [-algorithm rsa|ed25519] [-out FILE]
//	go run ./examples/msa -version
//
// hash-password prints a password hash for the config file. dkim-keygen
// writes a new DKIM private key (RSA 2048 by default, which every verifier
// checks; ed25519 per RFC 8463) to a new file of mode 0600,
// S._domainkey.D.pem unless -out says otherwise, and prints the DNS TXT
// record to publish and the dkim-key setting that uses the key.
//
// An operator keeps the settings in a TOML file (-config): every flag, plus
// users with argon2id or bcrypt password hashes (made by hash-password),
// the addresses each may send as, the recipients each may write to, and
// address rewriting. msa.example.toml, beside this file, documents every
// key; `msa -h` lists the flags. A flag given on the command line
// overrides the file. SIGHUP reloads the users from the file.
//
// Errors in flags or in the file are one line that names the flag or the
// file's line; the program exits with status 2 for a bad command line and
// 1 for any other error. Logs go to standard error, the start banner to
// standard output. SIGINT or SIGTERM stops accepting connections, closes
// idle ones, lets transactions in flight finish (for up to 30 seconds), and
// exits; a second signal exits at once.
package main

import (
	"os"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "hash-password" {
		msaconfig.Exit("msa", msaconfig.HashPasswordCommand(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	msaconfig.Main("msa", run)
}
