package header_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/header"
)

// Read a header from the DATA stream, fix it up, and stream the message on:
// the body is never read into memory, and untouched fields keep their bytes.
func Example() {
	msg := "From: John Doe <jdoe@machine.example>\r\n" +
		"To: Mary Smith <mary@example.net>\r\n" +
		"Subject: Saying Hello\r\n" +
		"Date: yesterday\r\n" +
		"\r\n" +
		"This is a message just to say hello.\r\n"
	br := bufio.NewReader(strings.NewReader(msg))
	h, err := header.Read(br, header.ReadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	if v, _ := h.Get("Date"); v != "" {
		if _, err := header.ParseDate(v); err != nil {
			date := header.FormatDate(time.Date(1997, 11, 21, 9, 55, 6, 0, time.FixedZone("", -6*3600)))
			_ = h.Replace("Date", date) // in place
		}
	}
	_ = h.Prepend("Message-ID", "<1234@local.machine.example>")

	out := io.MultiReader(bytes.NewReader(h.Bytes()), br) // what the server queues
	var queued strings.Builder
	_, _ = io.Copy(&queued, out)
	fmt.Print(strings.ReplaceAll(queued.String(), "\r\n", "\n")) // CRLF shown as newlines
	// Output:
	// Message-ID: <1234@local.machine.example>
	// From: John Doe <jdoe@machine.example>
	// To: Mary Smith <mary@example.net>
	// Subject: Saying Hello
	// Date: Fri, 21 Nov 1997 09:55:06 -0600
	//
	// This is a message just to say hello.
}

// Bare LF in the header is refused before anything is parsed.
func ExampleRead_bareLF() {
	_, err := header.Read(bufio.NewReader(strings.NewReader("From: a@example.com\nTo: b@example.com\r\n\r\n")), header.ReadOptions{})
	fmt.Println(errors.Is(err, header.ErrBareLF))
	fmt.Println(err)
	// Output:
	// true
	// header: bare LF (line ending without CR) (line 1)
}

func ExampleParseAddressList() {
	as, err := header.ParseAddressList(`A Group:Ed Jones <c@a.test>,joe@where.test;, ` +
		`"alice@example.com" <mallory@evil.example>, =?utf-8?q?Andr=C3=A9?= <andre@example.fr>`)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range as {
		fmt.Printf("%q <%s> group=%q\n", a.DisplayName, a.Mailbox, a.Group)
	}
	// Output:
	// "Ed Jones" <c@a.test> group="A Group"
	// "" <joe@where.test> group="A Group"
	// "alice@example.com" <mallory@evil.example> group=""
	// "André" <andre@example.fr> group=""
}

func ExampleFormatAddress() {
	d, _ := envelope.ParseDomain("bücher.example")
	m, _ := envelope.NewMailbox("info", d)
	s, _ := header.FormatAddress(header.Address{DisplayName: "Bücher & Co.", Mailbox: m}, false)
	fmt.Println(s)
	s, _ = header.FormatAddress(header.Address{DisplayName: "Bücher & Co.", Mailbox: m}, true)
	fmt.Println(s)
	// Output:
	// =?utf-8?q?B=C3=BCcher_&_Co.?= <info@xn--bcher-kva.example>
	// "Bücher & Co." <info@bücher.example>
}

func ExampleParseDate() {
	for _, v := range []string{
		"Fri, 21 Nov 1997 09:55:06 -0600",
		"21 Nov 97 09:55:06 GMT",
		"Mon, 21 Nov 1997 09:55:06 -0600",
	} {
		t, err := header.ParseDate(v)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(t.Format(time.RFC3339), header.IsObsoleteDate(v))
	}
	// Output:
	// 1997-11-21T09:55:06-06:00 false
	// 1997-11-21T09:55:06Z true
	// header: day of week does not match the date at offset 0
}

func ExampleFormatDate() {
	loc := time.FixedZone("NST", -(3*3600 + 30*60))
	fmt.Println(header.FormatDate(time.Date(1969, 2, 13, 23, 32, 54, 0, loc)))
	// Output: Thu, 13 Feb 1969 23:32:54 -0330
}

func ExampleParseMessageID() {
	id, err := header.ParseMessageID("<1234   @   local(blah)  .machine .example>")
	fmt.Println(id, err, header.IsObsoleteMessageID("<1234   @   local(blah)  .machine .example>"))
	// Output: 1234@local.machine.example <nil> true
}

func ExampleNewMessageID() {
	d, _ := envelope.ParseDomain("msa.example")
	random := bytes.NewReader(bytes.Repeat([]byte{0}, 20)) // inject crypto/rand in real use (nil)
	id, _ := header.NewMessageID(random, d, false)
	fmt.Println(id)
	// Output: <aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@msa.example>
}

func ExampleNewField() {
	f, err := header.NewField("Subject", strings.Repeat("very ", 20)+"long", false)
	fmt.Printf("%s%v\n", strings.ReplaceAll(string(f.Raw()), "\r\n", "\n"), err)
	_, err = header.NewField("Subject", "injected\r\nBcc: x@example.com", false)
	fmt.Println(errors.Is(err, header.ErrSyntax))
	// Output:
	// Subject: very very very very very very very very very very very very very very
	//  very very very very very very long
	// <nil>
	// true
}

func ExampleReceived_Field() {
	by, _ := envelope.ParseDomain("msa.example")
	r := header.Received{
		Helo:          "laptop.example",
		ClientAddr:    netip.MustParseAddr("192.0.2.7"),
		By:            by,
		ESMTP:         true,
		TLS:           &tls.ConnectionState{Version: tls.VersionTLS13},
		Authenticated: true,
		ID:            "4TqZ3k1R2bz9sQ",
		Date:          time.Date(2024, 3, 5, 9, 41, 18, 0, time.UTC),
	}
	f, err := r.Field()
	fmt.Printf("%s%v\n", strings.ReplaceAll(string(f.Raw()), "\r\n", "\n"), err)
	// Output:
	// Received: from laptop.example ([192.0.2.7]) by msa.example with ESMTPSA
	//  (TLS 1.3) id 4TqZ3k1R2bz9sQ; Tue, 05 Mar 2024 09:41:18 +0000
	// <nil>
}

func ExampleHeader_Replace() {
	h, _ := header.Read(bufio.NewReader(strings.NewReader("Date: junk\r\nSubject:  kept  as is \r\n\r\n")), header.ReadOptions{})
	_ = h.Replace("Date", "Tue, 05 Mar 2024 09:41:18 +0000")
	fmt.Printf("%q\n", h.Bytes())
	// Output: "Date: Tue, 05 Mar 2024 09:41:18 +0000\r\nSubject:  kept  as is \r\n\r\n"
}
