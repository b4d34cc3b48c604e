package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pythonClient drives smtplib: STARTTLS with an unverified context (the
// server's certificate is self-signed), AUTH PLAIN when asked, MAIL, RCPT,
// DATA; it prints the reply code of each step as JSON.
const pythonClient = `
import json, smtplib, ssl, sys
host, port, user, password, sender, rcpt, mode = sys.argv[1:8]
msg = sys.stdin.buffer.read()
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
out = {}
s = smtplib.SMTP(host, int(port), local_hostname="python.example.net", timeout=30)
out["ehlo"] = s.ehlo()[0]
out["starttls"] = s.starttls(context=ctx)[0]
out["ehlo_tls"] = s.ehlo()[0]
out["auth_offered"] = s.esmtp_features.get("auth", "")
if mode == "auth":
    s.user, s.password = user, password
    try:
        out["auth"] = s.auth("PLAIN", s.auth_plain)[0]
    except smtplib.SMTPAuthenticationError as e:
        out["auth"] = e.smtp_code
code, resp = s.mail(sender)
out["mail"] = code
out["mail_reply"] = resp.decode("utf-8", "replace")
if code == 250:
    out["rcpt"] = s.rcpt(rcpt)[0]
    try:
        out["data"] = s.data(msg)[0]
    except smtplib.SMTPDataError as e:
        out["data"] = e.smtp_code
s.quit()
print(json.dumps(out))
`

func runPython(t *testing.T, py, addr, mode string) map[string]any {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	out, errOut, err := runProgram(t, []byte(testMessage), py, "-c", pythonClient,
		host, port, testUser, testPassword, testFrom, testRcpt, mode)
	if err != nil {
		t.Fatalf("python3 smtplib: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("python3 output %q: %v", out, err)
	}
	return got
}

func wantCodes(t *testing.T, got map[string]any, want map[string]float64) {
	t.Helper()
	for step, code := range want {
		if got[step] != code {
			t.Errorf("smtplib %s: reply %v, want %v (all: %v)", step, got[step], code, got)
		}
	}
}

func TestPythonSmtplib_Accepted(t *testing.T) {
	t.Parallel()
	py := needProgram(t, "python3")
	m, spool := startMSA(t)
	got := runPython(t, py, m.addr, "auth")
	wantCodes(t, got, map[string]float64{"ehlo": 250, "starttls": 220, "ehlo_tls": 250, "auth": 235, "mail": 250, "rcpt": 250, "data": 250})
	if !strings.Contains(got["auth_offered"].(string), "PLAIN") {
		t.Errorf("AUTH offered under TLS = %q, want PLAIN in it", got["auth_offered"])
	}
	checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt}, testUser)
}

func TestPythonSmtplib_NoAuth(t *testing.T) {
	t.Parallel()
	py := needProgram(t, "python3")
	m, spool := startMSA(t)
	got := runPython(t, py, m.addr, "none")
	// RFC 6409, Section 4.3; RFC 4954, Section 6: 530 5.7.0.
	wantCodes(t, got, map[string]float64{"starttls": 220, "mail": 530})
	if r, _ := got["mail_reply"].(string); !strings.HasPrefix(r, "5.7.0") {
		t.Errorf("MAIL without AUTH: enhanced code in %q, want 5.7.0", r)
	}
	if msgs := readSpool(t, spool); len(msgs) != 0 {
		t.Errorf("spool holds %d messages, want none", len(msgs))
	}
}

// replyLine matches a server reply as swaks and msmtp -v print it.
var replyLine = regexp.MustCompile(`(?m)^\s*(?:<~|<-|<--|<\*\*)\s+(\d{3})[ -]`)

func replyCodes(s string) []string {
	var codes []string
	for _, m := range replyLine.FindAllStringSubmatch(s, -1) {
		codes = append(codes, m[1])
	}
	return codes
}

// needSwaks returns swaks's path, and checks that its STARTTLS support
// (Perl's Net::SSLeay, a Recommends of the Debian package) is installed.
func needSwaks(t *testing.T) string {
	t.Helper()
	swaks := needProgram(t, "swaks")
	if _, _, err := runProgram(t, nil, "perl", "-MNet::SSLeay", "-e", "1"); err != nil {
		if os.Getenv("MSAKIT_REAL_CLIENTS") == "1" {
			t.Fatalf("swaks cannot do TLS: Perl's Net::SSLeay is missing (apt-get install libnet-ssleay-perl): %v", err)
		}
		t.Skipf("swaks cannot do TLS without Perl's Net::SSLeay (libnet-ssleay-perl); skipping")
	}
	return swaks
}

func TestSwaks(t *testing.T) {
	t.Parallel()
	swaks := needSwaks(t)
	m, spool := startMSA(t)
	file := filepath.Join(t.TempDir(), "message.eml")
	// swaks ends the data with CRLF.CRLF itself, after the file's last
	// line: leave the final CRLF out so the message arrives as sent.
	if err := os.WriteFile(file, []byte(strings.TrimSuffix(testMessage, "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runProgram(t, nil, swaks,
		"--server", m.addr, "--tls", "--helo", "swaks.example.net",
		"--auth", "PLAIN", "--auth-user", testUser, "--auth-password", testPassword,
		"--from", testFrom, "--to", testRcpt, "--data", "@"+file, "--timeout", "30")
	if err != nil {
		t.Fatalf("swaks: %v\n%s\n%s", err, out, errOut)
	}
	codes := strings.Join(replyCodes(out), " ")
	// 220 greeting, 250 EHLO, 220 STARTTLS, 250 EHLO, 235 AUTH, 250 MAIL,
	// 250 RCPT, 354 DATA, 250 end of data, 221 QUIT.
	for _, want := range []string{"220", "235", "354"} {
		if !strings.Contains(codes, want) {
			t.Errorf("swaks saw replies %s, want %s among them\n%s", codes, want, out)
		}
	}
	if !strings.Contains(codes, "354 250 221") {
		t.Errorf("swaks saw replies %s, want 354 250 221 at the end\n%s", codes, out)
	}
	checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt}, testUser)
}

func TestMsmtp(t *testing.T) {
	t.Parallel()
	msmtp := needProgram(t, "msmtp")
	m, spool := startMSA(t)
	host, port, _ := net.SplitHostPort(m.addr)
	conf := filepath.Join(t.TempDir(), "msmtprc")
	rc := strings.Join([]string{
		"defaults",
		"account msakit",
		"host " + host,
		"port " + port,
		"domain msmtp.example.net",
		"tls on",
		"tls_starttls on",
		"tls_certcheck off",
		"tls_trust_file", // empty: no system trust store needed (ca-certificates may be absent)
		"auth plain",
		"user " + testUser,
		"password " + testPassword,
		"from " + testFrom,
		"timeout 30",
		"",
	}, "\n")
	if err := os.WriteFile(conf, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runProgram(t, []byte(testMessage), msmtp, "-v", "-C", conf, "-a", "msakit", testRcpt)
	if err != nil {
		t.Fatalf("msmtp: %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	codes := strings.Join(replyCodes(out+errOut), " ")
	for _, want := range []string{"235", "354"} {
		if !strings.Contains(codes, want) {
			t.Errorf("msmtp saw replies %s, want %s among them\n%s%s", codes, want, out, errOut)
		}
	}
	checkSpooled(t, spool, testMessage, testFrom, []string{testRcpt}, testUser)
}
