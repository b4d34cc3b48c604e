// Package dkimtest verifies DKIM signatures in the tests of the examples
// module with two verifiers that msakit did not write: go-msgauth's
// dkim.Verify and Debian's python3-dkim (dkimpy). Both get the public keys
// from a map standing in for DNS; everything else (parsing the record,
// canonicalizing, hashing, checking the signature) is theirs.
package dkimtest

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/msakit/msakit/examples/internal/realclient"
)

// Records maps "<selector>._domainkey.<domain>" (lower case) to the TXT
// record published there (RFC 6376, Section 3.6.2.1).
type Records map[string]string

// Add records rec for selector and domain.
func (r Records) Add(selector, domain, rec string) {
	r[strings.ToLower(selector+"._domainkey."+domain)] = rec
}

// Result is one signature's outcome, topmost signature first.
type Result struct {
	OK     bool
	Domain string // d=, when OK
	Detail string // the verifier's reason when not OK
}

// GoMsgauth verifies every signature of msg with go-msgauth.
func GoMsgauth(msg []byte, recs Records) ([]Result, error) {
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{
		LookupTXT: func(name string) ([]string, error) {
			if rec, ok := recs[strings.ToLower(strings.TrimSuffix(name, "."))]; ok {
				return []string{rec}, nil
			}
			return nil, fmt.Errorf("no TXT record at %s", name)
		},
	})
	if err != nil {
		return nil, err
	}
	out := make([]Result, len(vs))
	for i, v := range vs {
		out[i] = Result{OK: v.Err == nil, Domain: v.Domain}
		if v.Err != nil {
			out[i].Detail = v.Err.Error()
		}
	}
	return out, nil
}

//go:embed dkimpy_verify.py
var dkimpyScript string

// DKIMPy verifies every signature of msg with dkimpy, run by the Python
// interpreter of the dkimverify program that python3-dkim installs. When
// python3-dkim is missing the test is skipped, or fails under
// MSAKIT_REAL_CLIENTS=1 (CI, which installs it).
func DKIMPy(t testing.TB, msg []byte, recs Records) []Result {
	t.Helper()
	python := interpreter(t)
	js, err := json.Marshal(recs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", dkimpyScript, string(js))
	cmd.Stdin = bytes.NewReader(msg)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dkimpy: %v\n%s", err, stderr.String())
	}
	var out []Result
	for line := range strings.Lines(stdout.String()) {
		line = strings.TrimSpace(line)
		_, rest, _ := strings.Cut(line, " ")
		switch {
		case strings.HasPrefix(rest, "ok "):
			r := Result{OK: true}
			for f := range strings.FieldsSeq(rest) {
				if d, ok := strings.CutPrefix(f, "d="); ok {
					r.Domain = d
				}
			}
			out = append(out, r)
		case strings.HasPrefix(rest, "fail "):
			out = append(out, Result{Detail: strings.TrimPrefix(rest, "fail ")})
		}
	}
	return out
}

// interpreter returns the Python that has dkimpy: the one named on the
// first line of dkimverify (python3-dkim installs both), which need not be
// the python3 on PATH.
func interpreter(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("dkimverify")
	if err == nil {
		var python string
		python, err = shebang(p)
		if err == nil {
			return python
		}
	}
	realclient.Missing(t, fmt.Sprintf("python3-dkim (dkimverify) not usable: %v", err), "python3-dkim")
	return ""
}

// shebang returns the interpreter a script names on its first line.
func shebang(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
	fields := strings.Fields(rest)
	if !ok || len(fields) == 0 {
		return "", errors.New(path + " has no #! line")
	}
	if strings.HasSuffix(fields[0], "/env") && len(fields) > 1 {
		return exec.LookPath(fields[1])
	}
	return fields[0], nil
}

// Body returns a reader of n octets of message body: lines of text, each
// ending in CRLF except perhaps the last, the same for every call. It
// allocates nothing while it is read, so that tests can measure what
// streaming a large message costs.
func Body(n int64) io.Reader { return &bodyGen{left: n} }

type bodyGen struct {
	left int64
	off  int // position in genLine
}

const genLine = "The quick brown fox jumps over the lazy dog; 0123456789 abcdefghijklmnopqrs\r\n"

func (g *bodyGen) Read(p []byte) (int, error) {
	if g.left <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && g.left > 0 {
		end := min(len(genLine), g.off+int(min(g.left, int64(len(p)-n))))
		k := copy(p[n:], genLine[g.off:end])
		n += k
		g.left -= int64(k)
		g.off = (g.off + k) % len(genLine)
	}
	return n, nil
}
