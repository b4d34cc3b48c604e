package gosmtp

import (
	"bytes"
	"strings"
)

// sequenceVerbs are the commands whose "502 5.5.1" from go-smtp means a bad
// sequence (conn.go: handleMail, handleRcpt, handleData, handleBdat,
// handleAuth): RFC 5321, Section 4.1.4 and 4.2.4 want 503, and RFC 3030,
// Section 3 wants 503 for DATA after BODY=BINARYMIME.
var sequenceVerbs = map[string]bool{"MAIL": true, "RCPT": true, "DATA": true, "BDAT": true, "AUTH": true}

// tooManyErrors is the reply that closes the connection of a client that
// collected too many refusals (RFC 5321, Section 3.8; X.7.0, RFC 3463,
// Section 3.8, as Postfix answers).
const tooManyErrors = "421 4.7.0 Too many errors, closing connection\r\n"

// filterReplies passes go-smtp's reply lines to the client, changed where
// the adapter absorbs go-smtp's habits, and learns from each final reply
// line what the client sends next (DATA content after 354, an AUTH
// response after 334). It returns the octets to write; a line without its
// LF yet waits for the next call.
func (g *conn) filterReplies(p []byte) []byte {
	g.wbuf = append(g.wbuf, p...)
	out := g.wout[:0]
	rest := g.wbuf
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		out = g.filterLine(out, rest[:i+1])
		rest = rest[i+1:]
	}
	g.wbuf = append(g.wbuf[:0], rest...)
	g.wout = out
	return out
}

// filterLine appends what the client gets of one reply line to out.
func (g *conn) filterLine(out, line []byte) []byte {
	if len(line) < 4 || !isDigits(string(line[:3])) {
		return append(out, line...)
	}
	final := line[3] != '-'
	first := g.replyLines == 0
	g.replyLines++
	if final {
		g.replyLines = 0
	}
	if g.swallow {
		// The guard answered the client already (authResponse).
		g.swallow = !final
		return out
	}
	code := string(line[:3])
	switch {
	case g.verb == "EHLO" && code == "250":
		return g.ehloLine(out, line, first, final)
	case code == "502" && sequenceVerbs[g.verb]:
		line = sequenceReply(line)
	case (code == "500" || code == "504") && (g.verb == "MAIL" || g.verb == "RCPT") && bytes.HasPrefix(line[4:], []byte("5.5.4 ")):
		line = parameterReply(line)
	case code == "250" && g.postmaster:
		line = bytes.Replace(line, []byte(postmasterDomain), nil, 1)
	case code == "500" && bytes.HasPrefix(line[4:], []byte("5.5.1 Too many errors")):
		// go-smtp closes the connection after its fourth protocol error
		// (conn.go, protocolError) with a 500; RFC 5321, Section 3.8 says
		// 421 when the server closes.
		line, code = []byte(tooManyErrors), "421"
	}
	if final {
		enhanced, _, _ := bytes.Cut(line[4:], []byte(" "))
		g.counted(code, string(enhanced))
		switch {
		case code == "354" && g.verb == "DATA":
			g.startData()
		case code == "334":
			g.authResp = true
		case code == "235":
			g.authed = true
		case code == "421":
			g.closing = true // RFC 5321, Section 3.8
		case code == "250" && g.verb == "BDAT" && !g.bdatLast && g.bdatSent:
			g.awaitData = true // an empty chunk: see readChunk
		}
		g.bdatSent = false
	}
	return append(out, line...)
}

// ehloLine takes go-smtp's EHLO response line by line and, at its last
// line, appends to out the response msakit decides (RFC 6409, Section 7):
// the server's domain and go-smtp's greeting ("Hello <client>"; RFC 5321,
// Section 4.1.1.1 wants the domain first, which go-smtp leaves out), then
// each line of [submission.Agent.Extensions]
// for this session, in its order and with its parameters, that the server
// can serve: a keyword go-smtp offered too (go-smtp always offers
// PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and SIZE, and
// SMTPUTF8, BINARYMIME, DSN and AUTH as configured), or STARTTLS, which
// the guard runs, when ListenOptions.STARTTLS is set and the connection
// is not under TLS (RFC 3207, Section 4.2). Keywords msakit leaves out
// (Config.Chunking unset, Config.DisableExtensions) are not offered.
func (g *conn) ehloLine(out, line []byte, first, final bool) []byte {
	if first {
		g.ehloGreet = append(g.ehloGreet[:0], bytes.TrimRight(line[4:], "\r\n")...)
		if g.ehloOffered == nil {
			g.ehloOffered = make(map[string]bool, 16)
		}
		clear(g.ehloOffered)
	} else {
		g.ehloOffered[replyKeyword(line)] = true
	}
	if !final {
		return out
	}
	g.bdatSent = false
	var offer []string
	greet := g.ehloGreet
	if s := g.session(); s != nil {
		domain, exts := s.ehlo()
		if domain != "" {
			greet = append(append([]byte(domain), ' '), greet...)
		}
		for _, ext := range exts {
			kw, _, _ := strings.Cut(ext, " ")
			kw = strings.ToUpper(kw)
			if g.ehloOffered[kw] || kw == "STARTTLS" && g.opts.STARTTLS != nil && g.tlsState() == nil {
				offer = append(offer, ext)
			}
		}
	}
	sep := byte(' ')
	if len(offer) > 0 {
		sep = '-'
	}
	out = append(append(append(out, "250"...), sep), greet...)
	out = append(out, "\r\n"...)
	for i, ext := range offer {
		sep = '-'
		if i == len(offer)-1 {
			sep = ' '
		}
		out = append(append(append(out, "250"...), sep), ext...)
		out = append(out, "\r\n"...)
	}
	return out
}

// sequenceReply turns go-smtp's 502 for a command out of sequence into 503
// (RFC 5321, Section 4.2.4), and its "502 5.5.4 Missing parameter" for AUTH
// into 501 (RFC 5321, Section 4.2.3: syntax error in parameters).
func sequenceReply(line []byte) []byte {
	code := "503"
	if bytes.HasPrefix(line[4:], []byte("5.5.4 ")) {
		code = "501"
	}
	return append([]byte(code), line[3:]...)
}

// parameterReply turns go-smtp's 500 and 504 for a MAIL or RCPT parameter
// (conn.go, handleMail and handleRcpt) into the codes of RFC 5321: 555 for
// a parameter not recognized or not implemented (Section 4.1.1.11: go-smtp's
// "Unknown ... argument" and "... is not implemented"), 501 for a malformed
// value (Section 4.2.3: go-smtp's "Malformed AUTH parameter ...").
func parameterReply(line []byte) []byte {
	code := "555"
	if bytes.HasPrefix(line[4:], []byte("5.5.4 Malformed")) {
		code = "501"
	}
	return append([]byte(code), line[3:]...)
}

// replyKeyword returns the first word of a reply line's text in upper case:
// the EHLO keyword of an EHLO response line.
func replyKeyword(line []byte) string {
	f := bytes.Fields(line[4:])
	if len(f) == 0 {
		return ""
	}
	return strings.ToUpper(string(f[0]))
}
