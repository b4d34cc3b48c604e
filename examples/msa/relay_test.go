package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/msakit/msakit/examples/internal/extest"
	"github.com/msakit/msakit/examples/internal/msaconfig"
	"github.com/msakit/msakit/policy"
)

func TestMSA_Relay(t *testing.T) {
	t.Parallel()
	up, addr := startUpstream(t, nil, func(srv *smtp.Server) { srv.EnableDSN = true })
	var logs extest.LockedBuffer
	m, spool := startMSALog(t, io.MultiWriter(&logs, t.Output()), "-relay", addr)
	c := goClient(t, m.addr, true)
	if err := sendDSN(c, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.from != testFrom || !slices.Equal(up.to, []string{testRcpt}) {
		t.Errorf("upstream got MAIL %q RCPT %q", up.from, up.to)
	}
	// The RFC 3461 parameters travel on; a 7-bit message goes without BODY=.
	if up.mopts.Return != smtp.DSNReturnHeaders || up.mopts.EnvelopeID != "env-42" || up.mopts.Body != "" || up.mopts.Size != int64(len(up.data)) {
		t.Errorf("upstream MAIL options %+v, want RET=HDRS ENVID=env-42 SIZE=%d, no BODY", up.mopts, len(up.data))
	}
	if len(up.ropts) != 1 || !slices.Equal(up.ropts[0].Notify, []smtp.DSNNotify{smtp.DSNNotifyFailure, smtp.DSNNotifyDelayed}) ||
		up.ropts[0].OriginalRecipientType != smtp.DSNAddressTypeRFC822 || up.ropts[0].OriginalRecipient != testRcpt {
		t.Errorf("upstream RCPT options %+v, want NOTIFY=FAILURE,DELAY ORCPT=rfc822;%s", up.ropts, testRcpt)
	}
	// Received, then the message as sent, byte for byte.
	if !bytes.HasPrefix(up.data, []byte("Received:")) || !bytes.HasSuffix(up.data, []byte("\r\n"+testMessage)) {
		t.Errorf("upstream got:\n%s", up.data)
	}
	if entries, _ := os.ReadDir(spool); len(entries) != 0 {
		t.Errorf("relay left %d files in the staging directory", len(entries))
	}
	if l := logs.String(); !strings.Contains(l, "msg=relayed") || strings.Index(l, "msg=relayed") > strings.Index(l, `msg="submission accepted"`) {
		t.Errorf("want \"relayed\", then \"submission accepted\":\n%s", l)
	}
}

// eightBitMessage is a multipart message as a mail client sends it with
// BODY=8BITMIME: an 8-bit German text part (to become quoted-printable), an
// 8-bit Russian one (base64), a 7-bit part, a part already in base64, a
// forwarded message with an 8-bit body, a preamble and an epilogue.
var eightBitMessage = strings.ReplaceAll(`From: Alice <alice@example.org>
To: Bob <bob@example.net>
Subject: Quarterly report
Date: Mon, 23 Nov 2026 19:00:00 +0000
Message-ID: <r8@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_b1"

This is a multi-part message in MIME format.
--=_b1
Content-Type: text/plain; charset=utf-8; format=flowed
Content-Transfer-Encoding: 8bit

Hello Bob,

the report for the quarter is attached. The figures for Köln and
Düsseldorf are final; München follows next week.

.a line that starts with a dot
-- 
Alice
--=_b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Привет, Боб! Отчёт во вложении.
--=_b1
Content-Type: text/plain; charset=us-ascii
Content-Transfer-Encoding: 7bit

This part is plain ASCII and must arrive byte for byte.
--=_b1
Content-Type: image/png; name="dot.png"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="dot.png"

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA
60e6kgAAAABJRU5ErkJggg==
--=_b1
Content-Type: message/rfc822
Content-Transfer-Encoding: 8bit

From: Carol <carol@example.com>
Subject: forwarded
Date: Sun, 22 Nov 2026 10:00:00 +0000

Grüße von Carol, with a non-MIME 8-bit body.
--=_b1--
The epilogue, ignored by readers, kept by the relay.
`, "\n", "\r\n")

// pythonUpstream starts testdata/relay_upstream.py, a 7-bit SMTP server
// (no 8BITMIME), and returns its address and the directory where it writes
// the messages it accepts.
func pythonUpstream(t *testing.T) (addr, dir string) {
	t.Helper()
	py := needProgram(t, "python3")
	dir = t.TempDir()
	cmd := exec.Command(py, filepath.Join("testdata", "relay_upstream.py"), dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = stdin.Close() // the server exits when its stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		port <- strings.TrimPrefix(strings.TrimSpace(line), "PORT ")
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case p := <-port:
		return net.JoinHostPort("127.0.0.1", p), dir
	case <-time.After(30 * time.Second):
		t.Fatal("relay_upstream.py did not start")
	}
	return "", ""
}

// received returns message n the Python upstream wrote to dir.
func received(t *testing.T, dir string, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(n)+".eml"))
	if err != nil {
		t.Fatalf("upstream message %d: %v", n, err)
	}
	return b
}

// pythonCheck runs testdata/mime_check.py: Python's email package must
// read every leaf of got back to the octets of the same leaf of sent.
func pythonCheck(t *testing.T, sent string, got []byte) []map[string]any {
	t.Helper()
	dir := t.TempDir()
	sentFile, gotFile := filepath.Join(dir, "sent.eml"), filepath.Join(dir, "received.eml")
	if err := os.WriteFile(sentFile, []byte(sent), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gotFile, got, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runProgram(t, nil, needProgram(t, "python3"), filepath.Join("testdata", "mime_check.py"), sentFile, gotFile)
	if err != nil {
		t.Fatalf("mime_check.py: %v\n%s%s\nreceived:\n%s", err, out, errOut, got)
	}
	var res struct{ Leaves []map[string]any }
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("mime_check.py output %q: %v", out, err)
	}
	return res.Leaves
}

// An 8-bit message relayed to an upstream without 8BITMIME arrives 7-bit
// and MIME-valid: Python's email reads every part back to what was sent;
// the parts that needed no conversion, the header, the structure, the
// preamble and the epilogue arrive byte for byte. A 7-bit message arrives
// exactly as msakit queued it.
func TestMSA_RelayTo7BitUpstream(t *testing.T) {
	t.Parallel()
	addr, dir := pythonUpstream(t)
	var logs extest.LockedBuffer
	m, _ := startMSALog(t, io.MultiWriter(&logs, t.Output()), "-relay", addr)
	c := goClient(t, m.addr, true)

	if err := send(c, testFrom, []string{testRcpt}, eightBitMessage); err != nil {
		t.Fatalf("send 8-bit: %v", err)
	}
	got := received(t, dir, 1)
	leaves := pythonCheck(t, eightBitMessage, got)
	var ctes []string
	for _, l := range leaves {
		ctes = append(ctes, l["type"].(string)+" "+l["cte"].(string))
	}
	want := []string{"text/plain quoted-printable", "text/plain base64", "text/plain 7bit", "image/png base64", "text/plain quoted-printable"}
	if !slices.Equal(ctes, want) {
		t.Errorf("leaves arrived as %q, want %q", ctes, want)
	}
	for _, kept := range []string{
		eightBitMessage[:strings.Index(eightBitMessage, "--=_b1\r\n")+len("--=_b1\r\n")], // header, preamble, boundary
		"Content-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
		eightBitMessage[strings.Index(eightBitMessage, "--=_b1\r\nContent-Type: text/plain; charset=us-ascii"):strings.Index(eightBitMessage, "--=_b1\r\nContent-Type: message/rfc822")],
		"From: Carol <carol@example.com>\r\nSubject: forwarded\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
		"--=_b1--\r\nThe epilogue, ignored by readers, kept by the relay.\r\n",
	} {
		if !bytes.Contains(got, []byte(kept)) {
			t.Errorf("the upstream's copy lacks, byte for byte:\n%s\nit got:\n%s", kept, got)
		}
	}
	if !strings.Contains(logs.String(), "converted_to_7bit=true") {
		t.Errorf("the conversion is not logged:\n%s", logs.String())
	}

	// Nothing to convert: the bytes msakit queued, unchanged.
	if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Fatalf("send 7-bit: %v", err)
	}
	if got := received(t, dir, 2); !bytes.HasPrefix(got, []byte("Received:")) || !bytes.HasSuffix(got, []byte("\r\n"+testMessage)) {
		t.Errorf("7-bit message changed on the way:\n%s", got)
	}

	// An 8-bit body without MIME: labelled and encoded.
	plain := strings.ReplaceAll(testMessage, "Hello Bob,", "Hello Bob, ça va? Grüße aus Köln,")
	if err := send(c, testFrom, []string{testRcpt}, plain); err != nil {
		t.Fatalf("send non-MIME 8-bit: %v", err)
	}
	got = received(t, dir, 3)
	pythonCheck(t, plain, got)
	if !bytes.Contains(got, []byte("\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")) {
		t.Errorf("non-MIME 8-bit body not labelled:\n%s", got)
	}

	// An 8-bit header field cannot be converted: without SMTPUTF8, msakit
	// refuses it at the end of DATA (554 5.6.1, RFC 6532, Section 3;
	// issue 10), before anything reaches the upstream.
	bad := strings.Replace(eightBitMessage, "Subject: Quarterly report", "Subject: Bericht für das Quartal", 1)
	wantSMTPError(t, "8-bit Subject", send(c, testFrom, []string{testRcpt}, bad), 554, smtp.EnhancedCode{5, 6, 1})
	if _, err := os.Stat(filepath.Join(dir, "4.eml")); err == nil {
		t.Error("the upstream got the message with the 8-bit header")
	}
	if !strings.Contains(logs.String(), `level=INFO msg=rejected stage=DATA smtp_code=554 smtp_enhanced=5.6.1`) {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}
}

// stagedFacts tells an 8-bit header from an 8-bit body, wherever the
// writes split the message, and, as an io.Writer, takes every octet it
// is given.
func TestStagedFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		writes             []string
		eightBit, hdrEight bool
	}{
		{[]string{"From: a\r\n\r\nbody\r\n"}, false, false},
		{[]string{"From: a\r\n\r\nb\xc3\xa9\r\n"}, true, false},
		{[]string{"Subject: \xc3\xa9\r\n\r\nbody\r\n"}, true, true},
		{[]string{"From: a\r\n\r", "\nb\xe9"}, true, false},
		{[]string{"From: a\r", "\n", "\r", "\n", "\xe9"}, true, false},
		{[]string{"From: a\r\nX: \xe9\r\n\r\n"}, true, true},
		{[]string{"From: a\n\r\n\r\n", "\xe9"}, true, false},
	}
	for _, tc := range tests {
		st := stagedFacts{inHeader: true}
		for _, w := range tc.writes {
			if n, err := st.Write([]byte(w)); n != len(w) || err != nil {
				t.Errorf("%q: Write(%q) = %d, %v; want %d, nil", tc.writes, w, n, err, len(w))
			}
		}
		if st.eightBit != tc.eightBit || st.headerEightBit != tc.hdrEight {
			t.Errorf("%q: 8-bit %v, in the header %v; want %v, %v", tc.writes, st.eightBit, st.headerEightBit, tc.eightBit, tc.hdrEight)
		}
	}
}

// 251 "User not local; will forward" is a success at RCPT (RFC 5321,
// Sections 3.4 and 4.3.2): the relay goes on, and the client gets 250.
func TestMSA_RelayRcpt251(t *testing.T) {
	t.Parallel()
	addr, dir := pythonUpstream(t)
	m, _ := startMSA(t, "-relay", addr)
	c := goClient(t, m.addr, true)
	if err := send(c, testFrom, []string{"forwarded@example.net", testRcpt}, testMessage); err != nil {
		t.Fatalf("send to a recipient the upstream answers 251: %v", err)
	}
	if got := received(t, dir, 1); !bytes.HasSuffix(got, []byte("\r\n"+testMessage)) {
		t.Errorf("the upstream got:\n%s", got)
	}
}

// An upstream with 8BITMIME gets the 8-bit message as it is, declared.
func TestMSA_RelayTo8BitUpstream(t *testing.T) {
	t.Parallel()
	up, addr := startUpstream(t, nil, nil)
	m, _ := startMSA(t, "-relay", addr)
	c := goClient(t, m.addr, true)
	if err := send(c, testFrom, []string{testRcpt}, eightBitMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if up.mopts.Body != smtp.Body8BitMIME || !bytes.HasSuffix(up.data, []byte("\r\n"+eightBitMessage)) {
		t.Errorf("upstream got BODY=%q and\n%s", up.mopts.Body, up.data)
	}
}

// An SMTPUTF8 message to an upstream without SMTPUTF8 (RFC 6531, Section
// 3.5): a non-ASCII address is refused with 550 5.6.7, a UTF-8 header with
// 554 5.6.9 (both replies to the end of data, RFC 5321, Section 4.3.2); a
// message that is all ASCII goes without the parameter.
func TestMSA_RelayNoSMTPUTF8(t *testing.T) {
	t.Parallel()
	up, addr := startUpstream(t, nil, nil) // no SMTPUTF8
	m, _ := startMSA(t, "-relay", addr, "-user", "jörg:pw:jörg@example.org")
	sendUTF8 := func(c *smtp.Client, from, msg string) error {
		return extest.Send(c, from, &smtp.MailOptions{UTF8: true}, []string{testRcpt}, nil, msg)
	}
	c := goClient(t, m.addr, true)
	utf8Subject := strings.Replace(testMessage, "Subject: test", "Subject: Grüße, test", 1)
	wantSMTPError(t, "UTF-8 header", sendUTF8(c, testFrom, utf8Subject), 554, smtp.EnhancedCode{5, 6, 9})
	if from, _ := up.got(); from != "" {
		t.Fatalf("upstream got MAIL %q for a UTF-8 header", from)
	}
	if err := sendUTF8(c, testFrom, testMessage); err != nil {
		t.Fatalf("all-ASCII SMTPUTF8 message: %v", err)
	}
	up.mu.Lock()
	if up.from != testFrom || up.mopts.UTF8 {
		t.Errorf("upstream got MAIL %q with SMTPUTF8=%v, want %q without", up.from, up.mopts.UTF8, testFrom)
	}
	up.from = ""
	up.mu.Unlock()

	jc, err := smtp.DialStartTLS(m.addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer jc.Close()
	if err := jc.Auth(sasl.NewPlainClient("", "jörg", "pw")); err != nil {
		t.Fatalf("AUTH jörg: %v", err)
	}
	jmsg := strings.Replace(testMessage, "From: Alice <alice@example.org>", "From: Jörg <jörg@example.org>", 1)
	wantSMTPError(t, "UTF-8 address", sendUTF8(jc, "jörg@example.org", jmsg), 550, smtp.EnhancedCode{5, 6, 7})
	if from, _ := up.got(); from != "" {
		t.Errorf("upstream got MAIL %q for a UTF-8 address", from)
	}
}

func TestMSA_RelayDown(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var logs extest.LockedBuffer
	m, _ := startMSALog(t, io.MultiWriter(&logs, t.Output()), "-relay", addr)
	c := goClient(t, m.addr, true)
	wantSMTPError(t, "relay down", send(c, testFrom, []string{testRcpt}, testMessage), 451, smtp.EnhancedCode{4, 4, 1})
	l2 := logs.String()
	if !strings.Contains(l2, `level=ERROR msg="relay failed"`) || !strings.Contains(l2, "upstream_stage=connect") {
		t.Errorf("the failure is not logged at Error with the stage:\n%s", l2)
	}
	if strings.Contains(l2, "submission accepted") {
		t.Errorf("\"submission accepted\" logged for a message the relay could not deliver:\n%s", l2)
	}
}

// Every reply of the upstream becomes a reply valid at the end of data
// (RFC 5321, Section 4.3.2), never a 501, 530 or 553.
func TestMSA_RelayReplyMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stage    string
		code     int
		enhanced smtp.EnhancedCode
		want     int
		wantEnh  smtp.EnhancedCode
	}{
		{"MAIL", 501, smtp.EnhancedCode{5, 5, 4}, 451, smtp.EnhancedCode{4, 5, 4}},
		{"MAIL", 530, smtp.EnhancedCode{5, 7, 0}, 451, smtp.EnhancedCode{4, 7, 0}},
		{"MAIL", 553, smtp.EnhancedCode{5, 1, 8}, 550, smtp.EnhancedCode{5, 1, 8}},
		{"MAIL", 450, smtp.EnhancedCode{4, 2, 1}, 451, smtp.EnhancedCode{4, 2, 1}},
		{"MAIL", 552, smtp.EnhancedCode{5, 3, 4}, 552, smtp.EnhancedCode{5, 3, 4}},
		{"RCPT", 550, smtp.EnhancedCode{5, 1, 1}, 550, smtp.EnhancedCode{5, 1, 1}},
		{"RCPT", 553, smtp.EnhancedCode{5, 1, 3}, 550, smtp.EnhancedCode{5, 1, 3}},
		{"RCPT", 551, smtp.EnhancedCode{5, 1, 6}, 550, smtp.EnhancedCode{5, 1, 6}},
		{"RCPT", 452, smtp.EnhancedCode{4, 5, 3}, 452, smtp.EnhancedCode{4, 5, 3}},
		{"RCPT", 503, smtp.EnhancedCode{5, 5, 1}, 451, smtp.EnhancedCode{4, 5, 1}},
		{"RCPT", 556, smtp.EnhancedCode{5, 1, 10}, 550, smtp.EnhancedCode{5, 1, 10}},
		{"RCPT", 550, smtp.EnhancedCode{5, 10, 1}, 550, smtp.EnhancedCode{5, 0, 0}}, // no such subject (RFC 3463)
		{"DATA", 554, smtp.EnhancedCode{5, 7, 1}, 554, smtp.EnhancedCode{5, 7, 1}},
		{"DATA", 552, smtp.EnhancedCode{5, 3, 4}, 552, smtp.EnhancedCode{5, 3, 4}},
		{"DATA", 451, smtp.EnhancedCode{4, 3, 0}, 451, smtp.EnhancedCode{4, 3, 0}},
		{"DATA", 550, smtp.NoEnhancedCode, 550, smtp.EnhancedCode{5, 0, 0}},
		{"DATA", 535, smtp.EnhancedCode{5, 7, 8}, 451, smtp.EnhancedCode{4, 7, 8}},
		{"DATA", 523, smtp.EnhancedCode{5, 3, 4}, 554, smtp.EnhancedCode{5, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.stage+"-"+strconv.Itoa(tc.code), func(t *testing.T) {
			t.Parallel()
			up := &upstream{refuse: map[string]*smtp.SMTPError{tc.stage: {Code: tc.code, EnhancedCode: tc.enhanced, Message: "No"}}}
			_, addr := startUpstream(t, up, nil)
			m, _ := startMSA(t, "-relay", addr)
			c := goClient(t, m.addr, true)
			wantSMTPError(t, "relayed to an upstream that refuses", send(c, testFrom, []string{testRcpt}, testMessage), tc.want, tc.wantEnh)
		})
	}
}

// STARTTLS to the upstream (RFC 3207): required means a verified
// certificate or no delivery; the default for a loopback upstream, and
// "opportunistic", use TLS when offered; "none" never does.
func TestMSA_RelayTLS(t *testing.T) {
	t.Parallel()
	tlsCfg, ca := upstreamTLS(t)
	tests := []struct {
		name     string
		starttls bool     // the upstream offers STARTTLS
		flags    []string // besides -relay
		wantTLS  bool
		code     int // 0: delivered
		enhanced smtp.EnhancedCode
	}{
		{"required, verified", true, []string{"-relay-tls", "required", "-relay-ca", ca}, true, 0, smtp.EnhancedCode{}},
		{"required, not offered", false, []string{"-relay-tls", "required", "-relay-ca", ca}, false, 451, smtp.EnhancedCode{4, 7, 4}},
		{"required, untrusted certificate", true, []string{"-relay-tls", "required"}, false, 451, smtp.EnhancedCode{4, 7, 5}},
		{"loopback default, offered", true, nil, true, 0, smtp.EnhancedCode{}},
		{"loopback default, not offered", false, nil, false, 0, smtp.EnhancedCode{}},
		{"opportunistic, untrusted certificate", true, []string{"-relay-tls", "opportunistic"}, true, 0, smtp.EnhancedCode{}},
		{"none", true, []string{"-relay-tls", "none"}, false, 0, smtp.EnhancedCode{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up, addr := startUpstream(t, nil, func(s *smtp.Server) {
				if tc.starttls {
					s.TLSConfig = tlsCfg
				}
			})
			m, _ := startMSA(t, append([]string{"-relay", addr}, tc.flags...)...)
			c := goClient(t, m.addr, true)
			err := send(c, testFrom, []string{testRcpt}, testMessage)
			from, _ := up.got()
			if tc.code != 0 {
				wantSMTPError(t, "send", err, tc.code, tc.enhanced)
				if from != "" {
					t.Errorf("upstream got MAIL %q without the TLS required", from)
				}
				return
			}
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			up.mu.Lock()
			defer up.mu.Unlock()
			if up.tls != tc.wantTLS || up.from != testFrom {
				t.Errorf("upstream got MAIL %q with TLS %v, want TLS %v", up.from, up.tls, tc.wantTLS)
			}
		})
	}
}

// AUTH to the upstream (RFC 4954) with a password from a file, never from
// the command line; refused credentials are the relay's problem: 451.
func TestMSA_RelayAuth(t *testing.T) {
	t.Parallel()
	tlsCfg, ca := upstreamTLS(t)
	pwFile := filepath.Join(t.TempDir(), "relay-password")
	if err := os.WriteFile(pwFile, []byte("s3cret upstream\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		password string // the upstream's; "" offers no AUTH
		code     int
		enhanced smtp.EnhancedCode
	}{
		{"accepted", "s3cret upstream", 0, smtp.EnhancedCode{}},
		{"wrong password", "another", 451, smtp.EnhancedCode{4, 7, 8}},
		{"AUTH not offered", "", 451, smtp.EnhancedCode{4, 7, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			up, addr := startUpstream(t, &upstream{password: tc.password}, func(s *smtp.Server) { s.TLSConfig = tlsCfg })
			m, _ := startMSA(t, "-relay", addr, "-relay-tls", "required", "-relay-ca", ca, "-relay-user", relayUser, "-relay-password-file", pwFile)
			c := goClient(t, m.addr, true)
			err := send(c, testFrom, []string{testRcpt}, testMessage)
			up.mu.Lock()
			defer up.mu.Unlock()
			if tc.code != 0 {
				wantSMTPError(t, "send", err, tc.code, tc.enhanced)
				if up.from != "" {
					t.Errorf("upstream got MAIL %q without AUTH", up.from)
				}
				return
			}
			if err != nil || up.user != relayUser || !up.tls || up.from != testFrom {
				t.Errorf("send: %v; upstream got MAIL %q from user %q, TLS %v", err, up.from, up.user, up.tls)
			}
		})
	}
}

// A BODY=BINARYMIME message goes only with BDAT to an upstream that offers
// CHUNKING and BINARYMIME (RFC 3030), byte for byte; to any other it is
// refused at the end of the data, 554 5.6.1.
func TestMSA_RelayBinaryMIME(t *testing.T) {
	t.Parallel()
	binary := "From: Alice <alice@example.org>\r\nTo: Bob <bob@example.net>\r\nSubject: binary\r\n" +
		"Date: Mon, 23 Nov 2026 19:00:00 +0000\r\nMessage-ID: <b1@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n" +
		"\x00\xff bare\nLF and bare\rCR, " + strings.Repeat("a long line ", 200) + "\r\n" + strings.Repeat("\x01\x80", 40000)
	for _, offered := range []bool{true, false} {
		t.Run("BINARYMIME offered "+strconv.FormatBool(offered), func(t *testing.T) {
			t.Parallel()
			up, addr := startUpstream(t, nil, func(s *smtp.Server) {
				s.EnableBINARYMIME = offered
				// go-smtp reads ahead of a BDAT line through its line
				// limit, and would take the chunk's long line for a command.
				s.MaxLineLength = 0
			})
			m, _ := startMSA(t, "-relay", addr)
			err := sendBDAT(t, m.addr, binary)
			if !offered {
				e, ok := err.(*upstreamReply)
				if !ok || e.code != 554 || e.enhanced != "5.6.1" {
					t.Errorf("BINARYMIME to an upstream without it: %v, want 554 5.6.1", err)
				}
				if from, _ := up.got(); from != "" {
					t.Errorf("upstream got MAIL %q", from)
				}
				return
			}
			if err != nil {
				t.Fatalf("BDAT: %v", err)
			}
			up.mu.Lock()
			defer up.mu.Unlock()
			if up.mopts.Body != smtp.BodyBinaryMIME || !bytes.HasSuffix(up.data, []byte("\r\n"+binary)) {
				t.Errorf("upstream got BODY=%q and %d octets, want BINARYMIME and the message", up.mopts.Body, len(up.data))
			}
		})
	}
}

// sendBDAT submits msg with BODY=BINARYMIME and BDAT, using the relay's own
// client (go-smtp's client has no BDAT).
func sendBDAT(t *testing.T, addr, msg string) error {
	t.Helper()
	ctx := t.Context()
	c, err := dialUpstream(ctx, &net.Dialer{}, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.quit()
	if err := c.hello("client.example.net"); err != nil {
		t.Fatal(err)
	}
	if err := c.startTLS(ctx, &tls.Config{InsecureSkipVerify: true}, "client.example.net"); err != nil {
		t.Fatal(err)
	}
	if err := c.auth(testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.cmd("MAIL", 250, "MAIL FROM:<%s> BODY=BINARYMIME", testFrom); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.cmd("RCPT", 250, "RCPT TO:<%s>", testRcpt); err != nil {
		t.Fatal(err)
	}
	return c.bdat(strings.NewReader(msg), int64(len(msg)))
}

func TestRelayFlags(t *testing.T) {
	t.Parallel()
	valid := [][]string{
		{"-relay", "mta.example.net:25"},
		{"-relay", "127.0.0.1:25", "-relay-tls", "none"},
		{"-relay", "[::1]:2525", "-relay-tls", "opportunistic", "-relay-user", "u", "-relay-password-file", "f"},
	}
	for _, args := range valid {
		if _, err := configure(args); err != nil {
			t.Errorf("configure(%q) = %v", args, err)
		}
	}
	usage := []struct {
		args []string
		want string
	}{
		{[]string{"-relay-tls", "required"}, "-relay-tls: relay-tls, relay-ca, relay-user and relay-password-file need relay"},
		{[]string{"-relay-user", "u"}, "-relay-user: relay-tls, relay-ca, relay-user and relay-password-file need relay"},
		{[]string{"-relay-ca", "ca.pem"}, "-relay-ca: relay-tls, relay-ca, relay-user and relay-password-file need relay"},
		{[]string{"-relay", "mta.example.net:25", "-relay-tls", "sometimes"}, `-relay-tls: "sometimes": want required, opportunistic or none`},
		{[]string{"-relay", "mta.example.net"}, `-relay: "mta.example.net": want HOST:PORT`},
	}
	for _, tc := range usage {
		if _, err := configure(tc.args); !errors.Is(err, msaconfig.ErrUsage) || err.Error() != tc.want {
			t.Errorf("configure(%q) = %v, want the usage error %s", tc.args, err, tc.want)
		}
	}
}

// newRelay refuses what would expose the credentials or cannot work.
func TestNewRelay_Refused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []relayOptions{
		{relay: "mta.example.net:25", relayUser: "u"},                                                // no password
		{relay: "mta.example.net:25", relayUser: "u", relayPasswordFile: empty},                      // empty password
		{relay: "mta.example.net:25", relayUser: "u", relayPasswordFile: filepath.Join(dir, "none")}, // missing file
		{relay: "mta.example.net:25", relayUser: "u", relayPasswordFile: pw, relayTLS: "opportunistic"},
		{relay: "mta.example.net:25", relayUser: "u", relayPassword: "x", relayTLS: "none"},
		{relay: "mta.example.net:25", relayPasswordFile: pw}, // a password without a user
		{relay: "mta.example.net:25", relayCA: pw},           // not PEM
	} {
		if _, err := newRelay(&o, "msa.example.org", nil); err == nil {
			t.Errorf("newRelay(%+v) accepted", o)
		}
	}
	r, err := newRelay(&relayOptions{relay: "127.0.0.1:25", relayUser: "u", relayPassword: "from-env", relayTLS: "opportunistic"}, "msa.example.org", nil)
	if err != nil || r.password != "from-env" || r.tlsMode != relayTLSOpportunistic {
		t.Errorf("newRelay with a loopback upstream: %+v, %v", r, err)
	}
	if r, err := newRelay(&relayOptions{relay: "mta.example.net:25", relayUser: "u", relayPasswordFile: pw}, "msa.example.org", nil); err != nil || r.password != "secret" || r.tlsMode != relayTLSRequired {
		t.Errorf("newRelay with a password file: %+v, %v", r, err)
	}
}

// The relay password can come from the environment, as main reads it; it
// is never a flag (issue 11: passwords visible in ps).
func TestRun_RelayPasswordFromEnv(t *testing.T) {
	t.Setenv(relayPasswordEnv, "from the environment")
	up, addr := startUpstream(t, &upstream{password: "from the environment"}, nil)
	spool := filepath.Join(t.TempDir(), "spool")
	banner, stop := startRun(t, "-listen", "127.0.0.1:0", "-spool", spool, "-user", testUser+":"+testPassword+":"+testFrom,
		"-relay", addr, "-relay-user", relayUser)
	var msaAddr string
	for _, l := range banner {
		if a, ok := strings.CutPrefix(strings.TrimSpace(l), "submission (STARTTLS): "); ok {
			msaAddr = a
		}
	}
	c := goClient(t, msaAddr, true)
	if err := send(c, testFrom, []string{testRcpt}, testMessage); err != nil {
		t.Fatalf("send: %v", err)
	}
	up.mu.Lock()
	if up.user != relayUser || up.from != testFrom {
		t.Errorf("upstream got MAIL %q from user %q, want %q", up.from, up.user, relayUser)
	}
	up.mu.Unlock()
	if err := stop(); err != nil {
		t.Errorf("run: %v", err)
	}
}

// upstreamRefusal gives only replies valid at the end of data (RFC 5321,
// Section 4.3.2), whatever the upstream says at whatever stage.
func TestUpstreamRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       upstreamReply
		code     int
		enhanced string
	}{
		{upstreamReply{stage: "connect", err: errors.New("refused")}, 451, "4.4.1"},
		{upstreamReply{stage: "MAIL", err: io.ErrUnexpectedEOF}, 451, "4.4.2"},
		{upstreamReply{stage: "end of data", err: io.ErrUnexpectedEOF}, 451, "4.4.2"},
		{upstreamReply{stage: "STARTTLS", err: errNoSTARTTLS}, 451, "4.7.4"},
		{upstreamReply{stage: "STARTTLS", err: errors.New("x509: unknown authority")}, 451, "4.7.5"},
		{upstreamReply{stage: "AUTH", err: errors.New("no mechanism")}, 451, "4.7.0"},
		{upstreamReply{stage: "greeting", code: 554, enhanced: "5.3.2"}, 451, "4.3.2"},
		{upstreamReply{stage: "greeting", code: 421}, 451, "4.4.0"},
		{upstreamReply{stage: "EHLO", code: 501, enhanced: "5.5.2"}, 451, "4.5.2"},
		{upstreamReply{stage: "AUTH", code: 535, enhanced: "5.7.8"}, 451, "4.7.8"},
		{upstreamReply{stage: "end of data", code: 354}, 451, "4.0.0"},
		{upstreamReply{stage: "RCPT", code: 599}, 554, "5.0.0"},
		{upstreamReply{stage: "RCPT", code: 550, enhanced: "5.10.1"}, 550, "5.0.0"},
		{upstreamReply{stage: "EHLO", code: 554, enhanced: "5.1.01"}, 451, "4.4.0"},
	}
	for _, tc := range tests {
		r, _ := upstreamRefusal(&tc.in)
		if r.Code != tc.code || r.EnhancedCode() != tc.enhanced {
			t.Errorf("upstreamRefusal(%v) = %d %s, want %d %s", &tc.in, r.Code, r.EnhancedCode(), tc.code, tc.enhanced)
		}
	}
	for _, stage := range []string{"greeting", "EHLO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "end of data"} {
		for code := 100; code < 700; code++ {
			// The last four are enhanced codes splitEnhanced takes but RFC
			// 3463, Section 2 does not allow (a subject over 7 or of two
			// digits, a detail with a leading zero).
			for _, enh := range []string{"", "5.1.1", "4.4.7", "2.0.0", "5.10.1", "5.9.1", "5.1.01", "4.00.1"} {
				r, _ := upstreamRefusal(&upstreamReply{stage: stage, code: code, enhanced: enh, text: "x"})
				if err := r.Valid(); err != nil || !slices.Contains([]int{451, 452, 550, 552, 554}, r.Code) {
					t.Fatalf("upstreamRefusal(%s %d %s) = %v (%v), not a reply to the end of data", stage, code, enh, r, err)
				}
			}
		}
	}
}

// signedBody is a message body that a signer signed (submission.Config.Signer).
type signedBody struct {
	io.Reader
	sig []byte
}

func (b signedBody) Signature() []byte { return b.sig }

// The DKIM-Signature fields of a signed message go in front of it (RFC
// 6376, Section 3.5). A signed 8-bit message for a 7-bit upstream, which a
// relay without the agent's signer cannot sign again once converted, is
// deferred: 451 4.6.3 (TestMSA_DKIM has the relay that signs again).
func TestRelay_Signature(t *testing.T) {
	t.Parallel()
	sig := "DKIM-Signature: v=1; a=ed25519-sha256; d=example.org; s=s1; h=from; bh=x; b=y\r\n"
	up, goAddr := startUpstream(t, nil, nil)
	pyAddr, pyDir := pythonUpstream(t)
	deliver := func(addr, msg string) error {
		r, err := newRelay(&relayOptions{relay: addr, spool: t.TempDir()}, "msa.example.org", slog.New(slog.NewTextHandler(t.Output(), nil)))
		if err != nil {
			t.Fatal(err)
		}
		return r.Deliver(t.Context(), fakeMessage(t, signedBody{strings.NewReader(msg), []byte(sig)}))
	}
	if err := deliver(goAddr, eightBitMessage); err != nil {
		t.Fatalf("signed 8-bit message to an 8BITMIME upstream: %v", err)
	}
	if _, data := up.got(); string(data) != sig+eightBitMessage {
		t.Errorf("upstream got:\n%s", data)
	}
	if err := deliver(pyAddr, testMessage); err != nil {
		t.Fatalf("signed 7-bit message to a 7-bit upstream: %v", err)
	}
	if got := received(t, pyDir, 1); string(got) != sig+testMessage {
		t.Errorf("7-bit upstream got:\n%s", got)
	}
	err := deliver(pyAddr, eightBitMessage)
	if r, ok := errors.AsType[*policy.Reply](err); !ok || r.Code != 451 || r.EnhancedCode() != "4.6.3" {
		t.Errorf("signed 8-bit message to a 7-bit upstream: %v, want 451 4.6.3", err)
	}
}
