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
	if res.reply != nil {
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
	reply   *policy.Reply // nil when accepted
	stage   string        // MAIL, RCPT or DATA, for a refusal
	from    string
	to      []string
	added   []string // raw fields the MSA adds
	removed []string // raw fields the MSA removes or replaces
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "envelope: MAIL FROM:%s", r.from)
	for _, t := range r.to {
		fmt.Fprintf(w, " RCPT TO:%s", t)
	}
	fmt.Fprintln(w)
	if r.reply != nil {
		fmt.Fprintf(w, "refused at %s: %d %s %s", r.stage, r.reply.Code, r.reply.EnhancedCode(), r.reply.Text)
		if r.reply.Policy != "" {
			fmt.Fprintf(w, " (policy %s)", r.reply.Policy)
		}
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "accepted")
	for _, f := range r.removed {
		fmt.Fprintf(w, "- %s", indent(f))
	}
	for _, f := range r.added {
		fmt.Fprintf(w, "+ %s", indent(f))
	}
	if len(r.added) == 0 && len(r.removed) == 0 {
		fmt.Fprintln(w, "header unchanged")
	}
}

// indent keeps folded continuation lines readable under the +/- marks.
func indent(raw string) string {
	raw = strings.TrimRight(raw, "\r\n")
	return strings.ReplaceAll(raw, "\r\n", "\n  ") + "\n"
}

// run submits input through msakit's default profile and returns the
// message as it would be relayed. err is set only when the check itself
// could not run; a refusal is in the result.
func (c *check) run(ctx context.Context, input []byte) ([]byte, *result, error) {
	inHeader, err := header.Read(bufio.NewReader(bytes.NewReader(input)), header.ReadOptions{})
	if err != nil {
		inHeader = nil // msakit refuses it below with the right reply
	}
	from := c.from
	if from == "" {
		from = "<>"
		if inHeader != nil {
			if v, ok := inHeader.Get("From"); ok {
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
	if c.identity == "" {
		cfg.Trusted = []netip.Prefix{netip.PrefixFrom(client.Addr(), 32)}
	}
	agent, err := submission.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	s := agent.NewSession(policy.Conn{
		RemoteAddr: client,
		TLS:        &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true},
		Helo:       "submitcheck.invalid",
		ESMTP:      true,
	})
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	if c.identity != "" {
		s.Authenticated(auth.Identity{AuthenticationID: c.identity, Mechanism: "PLAIN", At: now(), Address: fromPath.Mailbox()})
	}

	res := &result{from: fromPath.String()}
	opts := &policy.MailOptions{Size: int64(len(input)), SMTPUTF8: !isASCII(input)}
	if err := s.Mail(ctx, from, opts); err != nil {
		return nil, res.refuse("MAIL", err), nil
	}
	for _, t := range to {
		res.to = append(res.to, "<"+strings.Trim(t, "<>")+">")
		if err := s.Rcpt(ctx, t, &policy.RcptOptions{}); err != nil {
			return nil, res.refuse("RCPT", err), nil
		}
	}
	r, err := s.Data(ctx, bytes.NewReader(input))
	if err != nil {
		return nil, res.refuse("DATA", err), nil
	}
	msg, err := io.ReadAll(r)
	if err != nil {
		return nil, res.refuse("DATA", err), nil
	}
	outHeader, err := header.Read(bufio.NewReader(bytes.NewReader(msg)), header.ReadOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("reading back the header msakit wrote: %w", err)
	}
	res.added, res.removed = diffFields(inHeader, outHeader)
	return msg, res, nil
}

// refuse records the reply msakit gives at stage: every error of a
// Session and of its Data reader is a *policy.Reply.
func (r *result) refuse(stage string, err error) *result {
	r.stage = stage
	r.reply, _ = errors.AsType[*policy.Reply](err)
	return r
}

// diffFields lists the raw fields only in out (added, or the new version of
// a replaced field) and only in in (removed, or the old version).
func diffFields(in, out *header.Header) (added, removed []string) {
	count := map[string]int{}
	if in != nil {
		for _, f := range in.All() {
			count[string(f.Raw())]++
		}
	}
	for _, f := range out.All() {
		k := string(f.Raw())
		if count[k] > 0 {
			count[k]--
			continue
		}
		added = append(added, k)
	}
	if in != nil {
		for _, f := range in.All() {
			k := string(f.Raw())
			if count[k] > 0 {
				count[k]--
				removed = append(removed, k)
			}
		}
	}
	return added, removed
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
