// Command submitcheck runs a message file through msakit's RFC 6409 profile
// with submission.Agent.Check (MAIL, RCPT and DATA, no network) and prints
// what a submission server would do with it: the reply that
// refuses it, or the header fields it would add, replace or remove. With -o
// it also writes the message exactly as it would be relayed.
//
// Usage:
//
//	go run ./examples/submitcheck [-from ADDR] [-identity NAME] [-domain D] [-expand-single-level] [-to ADDR]... [-o FILE] FILE|-
//
// Flags:
//
//	-from ADDR      the envelope sender (MAIL FROM); default: the first
//	                address of the message's From field, else <>
//	-identity NAME  check as if NAME had authenticated (RFC 4954) with the
//	                -from address as its own; default: no AUTH, from a
//	                trusted network (RFC 6409, Section 3.3)
//	-domain D       the local domain: names the MSA (Received, Message-ID);
//	                default: the domain of -from, else localhost
//	-expand-single-level
//	                complete single-label domains with -domain instead of
//	                refusing them (RFC 6409, Section 4.2)
//	-to ADDR        a recipient (repeatable); default: the -from address
//	-o FILE         write the message as it would be relayed ("-" = standard
//	                output; the findings then go to standard error)
//
// Exit status: 0 accepted, 1 refused, 2 usage error or unreadable input.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
