package envelope_test

import (
	"errors"
	"fmt"

	"github.com/msakit/msakit/envelope"
)

// Parse the argument of RCPT TO, check it, and write it back.
func Example() {
	p, err := envelope.ParseForwardPath("<Carol.Smith@Bücher.Example>")
	if err != nil {
		fmt.Println(err)
		return
	}
	m := p.Mailbox()
	fmt.Println(m.LocalPart)
	fmt.Println(m.Domain.ASCII(), m.Domain.Unicode())
	fmt.Println(m.Domain.IsFullyQualified(), m.IsASCII())
	fmt.Println(p.Format(false))
	fmt.Println(p.Format(true))
	// Output:
	// Carol.Smith
	// xn--bcher-kva.example bücher.example
	// true true
	// <Carol.Smith@xn--bcher-kva.example>
	// <Carol.Smith@bücher.example>
}

func ExampleParseMailbox() {
	for _, s := range []string{
		"alice@example.org",
		`"carol smith"@example.net`,
		`"needless"@EXAMPLE.net`,
		"用户@例子.广告",
		"test@[IPv6:2001:DB8::1]",
		"alice@example.org.",
		"alice..b@example.org",
	} {
		m, err := envelope.ParseMailbox(s)
		if err != nil {
			fmt.Printf("%s: %v\n", s, err)
			continue
		}
		fmt.Printf("%s: local=%q domain=%s string=%s ascii=%v\n", s, m.LocalPart, m.Domain, m, m.IsASCII())
	}
	// Output:
	// alice@example.org: local="alice" domain=example.org string=alice@example.org ascii=true
	// "carol smith"@example.net: local="carol smith" domain=example.net string="carol smith"@example.net ascii=true
	// "needless"@EXAMPLE.net: local="needless" domain=example.net string=needless@example.net ascii=true
	// 用户@例子.广告: local="用户" domain=xn--fsqu00a.xn--4rr70v string=用户@例子.广告 ascii=false
	// test@[IPv6:2001:DB8::1]: local="test" domain=[IPv6:2001:db8::1] string=test@[IPv6:2001:db8::1] ascii=true
	// alice@example.org.: envelope: domain ends with a dot at offset 17 in "alice@example.org."
	// alice..b@example.org: envelope: consecutive dots in local part at offset 6 in "alice..b@example.org"
}

func ExampleParseDomain() {
	for _, s := range []string{
		"Mail.Example.ORG",
		"bücher.example",
		"xn--bcher-kva.example",
		"localhost",
		"[192.0.2.1]",
		"192.0.2.1",
		"xn--a.example",
	} {
		d, err := envelope.ParseDomain(s)
		switch {
		case errors.Is(err, envelope.ErrIDNA):
			fmt.Printf("%-22s IDNA error\n", s)
		case err != nil:
			fmt.Printf("%-22s error: %v\n", s, err)
		default:
			fmt.Printf("%-22s %s idn=%v literal=%v fqdn=%v\n", s, d.ASCII(), d.IsIDN(), d.IsLiteral(), d.IsFullyQualified())
		}
	}
	// Output:
	// Mail.Example.ORG       mail.example.org idn=false literal=false fqdn=true
	// bücher.example         xn--bcher-kva.example idn=true literal=false fqdn=true
	// xn--bcher-kva.example  xn--bcher-kva.example idn=true literal=false fqdn=true
	// localhost              localhost idn=false literal=false fqdn=false
	// [192.0.2.1]            [192.0.2.1] idn=false literal=true fqdn=true
	// 192.0.2.1              error: envelope: IP address without brackets; write an address literal such as [192.0.2.1] at offset 0 in "192.0.2.1"
	// xn--a.example          IDNA error
}

// Every spelling of a name parses to the same Domain, so parsed domains
// can be compared with == and used as map keys.
func ExampleDomain_Unicode() {
	a, _ := envelope.ParseDomain("Bücher.example")
	b, _ := envelope.ParseDomain("xn--bcher-kva.EXAMPLE")
	fmt.Println(a.Unicode(), a.ASCII())
	fmt.Println(a == b, a.Format(true), b.Format(false))
	fmt.Println(a.LogValue())
	// A spelling that IDNA mapping would change (here a full-width dot and
	// a non-ASCII capital) is a look-alike: refused, not normalized.
	_, err := envelope.ParseDomain("BÜCHER．example")
	fmt.Println(errors.Is(err, envelope.ErrIDNA))
	// Output:
	// bücher.example xn--bcher-kva.example
	// true bücher.example xn--bcher-kva.example
	// bücher.example/xn--bcher-kva.example
	// true
}

func ExamplePath() {
	for _, s := range []string{"<>", "", "<@relay.example:bob@example.org>", "bob@example.org"} {
		p, err := envelope.ParseReversePath(s)
		fmt.Printf("MAIL FROM:%-34q %s null=%v err=%v\n", s, p, p.IsNull(), err)
	}
	for _, s := range []string{"<Postmaster>", "<postmaster@example.org>"} {
		p, err := envelope.ParseForwardPath(s)
		fmt.Printf("RCPT TO:%-36q %s postmaster=%v err=%v\n", s, p, p.IsPostmaster(), err)
	}
	_, err := envelope.ParseForwardPath("<>")
	fmt.Println(errors.Is(err, envelope.ErrSyntax), err)
	// Output:
	// MAIL FROM:"<>"                               <> null=true err=<nil>
	// MAIL FROM:""                                 <> null=true err=<nil>
	// MAIL FROM:"<@relay.example:bob@example.org>" <bob@example.org> null=false err=<nil>
	// MAIL FROM:"bob@example.org"                  <bob@example.org> null=false err=<nil>
	// RCPT TO:"<Postmaster>"                       <Postmaster> postmaster=true err=<nil>
	// RCPT TO:"<postmaster@example.org>"           <postmaster@example.org> postmaster=false err=<nil>
	// true envelope: null path <> is not a forward-path at offset 1 in "<>"
}

// go-smtp hands a server "carol smith@example.net" for the path
// <"carol smith"@example.net>; NewMailbox rebuilds the mailbox from the
// decoded local part.
func ExampleNewMailbox() {
	d, _ := envelope.ParseDomain("example.net")
	m, err := envelope.NewMailbox("carol smith", d)
	fmt.Println(m, err)
	// Output:
	// "carol smith"@example.net <nil>
}

// Configuration code names its domains and addresses as literals; a typo
// stops the program at start instead of failing on every message.
func ExampleMustParseDomain() {
	hostname := envelope.MustParseDomain("msa.example.org")
	postmaster := envelope.MustParseMailbox("postmaster@example.org")
	fmt.Println(hostname, postmaster, postmaster.Domain.IsFullyQualified())
	defer func() { fmt.Println("panic:", recover()) }()
	envelope.MustParseDomain("msa..example.org")
	// Output:
	// msa.example.org postmaster@example.org true
	// panic: envelope: MustParseDomain("msa..example.org"): envelope: empty label in domain at offset 4 in "msa..example.org"
}

// A policy that rewrites a recipient builds the new path from a mailbox.
func ExampleNewPath() {
	rcpt, _ := envelope.ParseForwardPath("<alice@old.example>")
	m := rcpt.Mailbox()
	m.Domain = envelope.MustParseDomain("new.example")
	rcpt = envelope.NewPath(m)
	fmt.Println(rcpt, rcpt.IsNull(), rcpt.IsPostmaster())
	// Output:
	// <alice@new.example> false false
}

func ExampleSplitSubaddress() {
	base, tag, ok := envelope.SplitSubaddress("alice+lists", "+")
	fmt.Println(base, tag, ok)
	base, tag, ok = envelope.SplitSubaddress("alice", "+")
	fmt.Println(base, tag, ok)
	// Output:
	// alice lists true
	// alice  false
}
