package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/msakit/msakit/auth"
	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
	"github.com/msakit/msakit/policy"
	"github.com/msakit/msakit/submission"
)

// Exit statuses.
const (
	exitAccepted = 0
	exitRefused  = 1
	exitUsage    = 2
)

// maxInput bounds the message read into memory.
const maxInput = 64 << 20

// stringsFlag is a repeatable string flag.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

// client is the address the check pretends the message came from.
var client = netip.MustParseAddrPort("127.0.0.1:587")

// run is the whole program; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("submitcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "envelope sender `ADDR` (default: the message's From, else <>)")
	identity := fs.String("identity", "", "check as authenticated user `NAME` (default: no AUTH, trusted network)")
	domain := fs.String("domain", "", "local `DOMAIN` (default: the domain of -from)")
	expand := fs.Bool("expand-single-level", false, "complete single-label domains with -domain (RFC 6409, Section 4.2)")
	out := fs.String("o", "", "write the message as it would be relayed to `FILE` (- for standard output)")
	var to stringsFlag
	fs.Var(&to, "to", "recipient `ADDR` (repeatable; default: the -from address)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: submitcheck [-from ADDR] [-identity NAME] [-domain D] [-expand-single-level] [-to ADDR]... [-o FILE] FILE|-")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitAccepted
		}
		return exitUsage
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	input, err := readInput(fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "submitcheck:", err)
		return exitUsage
	}
	report := stdout
	if *out == "-" {
		report = stderr
	}
	c := &check{from: *from, identity: *identity, domain: *domain, expand: *expand, to: to}
	msg, res, err := c.run(context.Background(), input)
	if err != nil {
		fmt.Fprintln(stderr, "submitcheck:", err)
		return exitUsage
	}
	res.print(report)
	if res.rep.Reply != nil {
		return exitRefused
	}
	if *out != "" {
		if err := writeOutput(*out, stdout, msg); err != nil {
			fmt.Fprintln(stderr, "submitcheck:", err)
			return exitUsage
		}
	}
	return exitAccepted
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxInput {
		return nil, fmt.Errorf("%s: larger than %d octets", name, maxInput)
	}
	return b, nil
}

func writeOutput(name string, stdout io.Writer, msg []byte) error {
	if name == "-" {
		_, err := stdout.Write(msg)
		return err
	}
	return os.WriteFile(name, msg, 0o644)
}

// check holds the flags of one run.
type check struct {
	from     string
	identity string
	domain   string
	expand   bool // complete single-label domains with domain
	to       []string
	now      func() time.Time // nil: time.Now
	random   io.Reader        // nil: crypto/rand
}

// result is what a submission server would do.
type result struct {
	from string
	to   []string
	rep  submission.Report
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "envelope: MAIL FROM:%s", r.from)
	for _, t := range r.to {
		fmt.Fprintf(w, " RCPT TO:%s", t)
	}
	fmt.Fprintln(w)
	if rp := r.rep.Reply; rp != nil {
		fmt.Fprintf(w, "refused at %s: %d %s %s", r.rep.Stage, rp.Code, rp.EnhancedCode(), rp.Text)
		if rp.Policy != "" {
			fmt.Fprintf(w, " (policy %s)", rp.Policy)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "accepted")
	for _, f := range r.rep.Removed {
		fmt.Fprintf(w, "- %s", indent(f.Raw()))
	}
	for _, f := range r.rep.Added {
		fmt.Fprintf(w, "+ %s", indent(f.Raw()))
	}
	if len(r.rep.Added) == 0 && len(r.rep.Removed) == 0 {
		fmt.Fprintln(w, "header unchanged")
	}
}

// indent keeps folded continuation lines readable under the +/- marks.
func indent(raw []byte) string {
	s := strings.TrimRight(string(raw), "\r\n")
	return strings.ReplaceAll(s, "\r\n", "\n  ") + "\n"
}

// run checks input with submission.Agent.Check under msakit's default
// profile and returns the message as it would be relayed. err is set only
// when the check itself could not run; a refusal is in the result.
func (c *check) run(ctx context.Context, input []byte) ([]byte, *result, error) {
	from := c.from
	if from == "" {
		from = "<>"
		if h, err := header.Read(bufio.NewReader(bytes.NewReader(input)), header.ReadOptions{}); err == nil {
			if v, ok := h.Get("From"); ok {
				if addrs, err := header.ParseAddressList(v); err == nil && len(addrs) > 0 {
					from = addrs[0].Mailbox.String()
				}
			}
		}
	}
	fromPath, err := envelope.ParseReversePath(from)
	if err != nil {
		return nil, nil, fmt.Errorf("-from %q: %w", from, err)
	}
	domainName := c.domain
	if domainName == "" {
		domainName = "localhost"
		if !fromPath.IsNull() {
			domainName = fromPath.Mailbox().Domain.ASCII()
		}
	}
	dom, err := envelope.ParseDomain(domainName)
	if err != nil {
		return nil, nil, fmt.Errorf("-domain %q: %w", domainName, err)
	}
	to := c.to
	if len(to) == 0 {
		if fromPath.IsNull() {
			return nil, nil, errors.New("no recipient: give -to, -from or a From field")
		}
		to = []string{fromPath.Mailbox().String()}
	}

	cfg := submission.Config{Hostname: dom, Now: c.now, Random: c.random}
	if c.expand {
		cfg.Expand = dom
	}
	agent, err := submission.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	conn := policy.Conn{
		RemoteAddr: client,
		TLS:        &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true},
		Helo:       "submitcheck.invalid",
		ESMTP:      true,
		Trusted:    c.identity == "", // no AUTH: a trusted network (RFC 6409, Section 3.3)
	}
	if c.identity != "" {
		now := time.Now
		if c.now != nil {
			now = c.now
		}
		conn.Identity = auth.Identity{AuthenticationID: c.identity, Mechanism: "PLAIN", At: now(), Address: fromPath.Mailbox()}
	}
	res := &result{from: fromPath.String()}
	for _, t := range to {
		res.to = append(res.to, "<"+strings.Trim(t, "<>")+">")
	}
	res.rep = agent.Check(ctx, submission.Submission{
		Conn:    conn,
		From:    from,
		To:      to,
		Options: policy.MailOptions{Size: int64(len(input)), SMTPUTF8: !isASCII(input)},
		Message: input,
	})
	return res.rep.Message, res, nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
