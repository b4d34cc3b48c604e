package submission

import (
	"strconv"
	"strings"

	"github.com/msakit/msakit/policy"
)

// requirement is how RFC 6409, Section 7 ranks an SMTP extension on the
// submission port, in the key words of RFC 2119.
type requirement string

// The requirement levels used by RFC 6409, Section 7, Table 1, plus
// SHOULD NOT for the checks auditExtensions adds from other RFCs.
const (
	must      requirement = "MUST"
	mustNot   requirement = "MUST NOT"
	should    requirement = "SHOULD"
	shouldNot requirement = "SHOULD NOT"
	may       requirement = "MAY"
)

// extensionRule is one row of RFC 6409, Section 7, Table 1.
type extensionRule struct {
	Keyword     string      // EHLO keyword; "" for rows that are no keyword
	Name        string      // the extension's name in the table
	Requirement requirement // use on the submission port
	Reference   string      // the RFC that defines it
}

// extensionTable returns RFC 6409, Section 7, Table 1, in the order of the
// RFC. The rows "Extended Codes" (RFC 3463, used through
// ENHANCEDSTATUSCODES) and "521 reply code" (RFC 1846, a reply, not a
// keyword) have no keyword. The slice is new on each call.
func extensionTable() []extensionRule {
	return []extensionRule{
		{"PIPELINING", "Pipelining", should, "RFC 2920"},
		{"ENHANCEDSTATUSCODES", "Enhanced Status Codes", should, "RFC 2034"},
		{"ETRN", "Extended Turn", mustNot, "RFC 1985"},
		{"", "Extended Codes", should, "RFC 3463"},
		{"DSN", "Delivery Status Notification", should, "RFC 3461"},
		{"SIZE", "Message size", may, "RFC 1870"},
		{"", "521 reply code", mustNot, "RFC 1846"},
		{"CHECKPOINT", "Checkpoint/Restart", may, "RFC 1845"},
		{"BINARYMIME", "Binary MIME", may, "RFC 3030"},
		{"CHUNKING", "Chunking", may, "RFC 3030"},
		{"8BITMIME", "Use 8-bit data", should, "RFC 6152"},
		{"AUTH", "Authentication", must, "RFC 4954"},
		{"STARTTLS", "Start TLS", may, "RFC 3207"},
		{"NO-SOLICITING", "Notification of no soliciting", may, "RFC 3865"},
		{"MTRK", "Message Tracking", may, "RFC 3885"},
		{"ATRN", "On-Demand Relay", mustNot, "RFC 2645"},
		{"DELIVERBY", "Deliver By", may, "RFC 2852"},
		{"CONPERM", "Content Conversion Permission", may, "RFC 4141"},
		{"CONNEG", "Content Conversion Negotiation", may, "RFC 4141"},
	}
}

// Extensions returns the EHLO keywords, with their parameters, to offer on
// c, one per EHLO response line, following RFC 6409, Section 7:
//
//   - PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME, DSN (SHOULD);
//   - SMTPUTF8 (RFC 6531; msakit handles UTF-8 addresses);
//   - SIZE with the limit (RFC 1870, Section 4; MAY in the table, but RFC
//     5321, Section 4.5.3.1.7 says a server with a limit SHOULD offer it);
//     plain "SIZE" when there is no limit;
//   - CHUNKING and BINARYMIME (MAY) only when Config.Chunking is set;
//   - STARTTLS (MAY) while the connection is not under TLS (RFC 3207,
//     Section 4.2: never after TLS);
//   - AUTH with [Agent.Mechanisms] (MUST), left out while no mechanism
//     may be offered, for example PLAIN and LOGIN before TLS; offer
//     STARTTLS then, or use implicit TLS (RFC 8314).
//
// Without Config.Authenticator no AUTH is offered at all, which RFC 6409,
// Section 7 does not allow on a submission port open to clients outside
// the Trusted networks. ETRN and ATRN (MUST NOT) are never offered. Keywords listed in
// Config.DisableExtensions are left out. The slice is new on each call.
func (a *Agent) Extensions(c policy.Conn) []string {
	ext := make([]string, 0, 11)
	add := func(kw, line string) {
		if !a.omit[kw] {
			ext = append(ext, line)
		}
	}
	add("PIPELINING", "PIPELINING")
	add("ENHANCEDSTATUSCODES", "ENHANCEDSTATUSCODES")
	add("8BITMIME", "8BITMIME")
	add("SMTPUTF8", "SMTPUTF8")
	add("DSN", "DSN")
	if a.maxSize > 0 {
		add("SIZE", "SIZE "+strconv.FormatInt(a.maxSize, 10))
	} else {
		add("SIZE", "SIZE")
	}
	if a.cfg.Chunking {
		add("CHUNKING", "CHUNKING")
		add("BINARYMIME", "BINARYMIME")
	}
	if c.TLS == nil {
		add("STARTTLS", "STARTTLS")
	}
	if mechs := a.Mechanisms(c); len(mechs) > 0 {
		ext = append(ext, "AUTH "+strings.Join(mechs, " "))
	}
	return ext
}

// finding is one problem auditExtensions found in an EHLO response
// (RFC 5321, Section 4.1.1.1) measured against RFC 6409, Section 7.
type finding struct {
	Keyword     string      // the keyword concerned
	Requirement requirement // the requirement it fails
	Reference   string      // where the requirement is written
	Problem     string      // what is wrong, in lower case
}

// IsViolation reports whether the finding breaks a MUST or MUST NOT, as
// opposed to a SHOULD or SHOULD NOT (RFC 2119, Sections 1 to 4).
func (f finding) IsViolation() bool { return f.Requirement == must || f.Requirement == mustNot }

// String returns "KEYWORD: problem (REQUIREMENT, reference)", for example
// "ETRN: offered on the submission port (MUST NOT, RFC 6409, Section 7)".
func (f finding) String() string {
	return f.Keyword + ": " + f.Problem + " (" + string(f.Requirement) + ", " + f.Reference + ")"
}

// auditExtensions checks the EHLO keyword lines a submission server sends
// (each line as in the response, without the "250-" prefix, keyword first,
// parameters after) against RFC 6409, Section 7, Table 1, and against the
// rules of the extensions themselves. tls says whether the EHLO was sent
// under TLS. It reports, in this order:
//
//   - ETRN or ATRN offered (MUST NOT, RFC 6409, Section 7);
//   - AUTH missing (MUST, RFC 6409, Section 7); before TLS a missing AUTH
//     is only a SHOULD finding when STARTTLS is offered, because AUTH may
//     appear after it (RFC 3207, Section 4.2);
//   - PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME or DSN missing (SHOULD);
//   - STARTTLS offered under TLS (MUST NOT, RFC 3207, Section 4.2);
//   - AUTH PLAIN or LOGIN offered without TLS (SHOULD NOT, RFC 4954,
//     Section 9; RFC 8314, Section 3);
//   - BINARYMIME without CHUNKING (MUST, RFC 3030, Section 3);
//   - SMTPUTF8 without 8BITMIME (MUST, RFC 6531, Section 3.1).
//
// A nil result means no finding. Keywords are compared without regard to
// case (RFC 5321, Section 2.4).
func auditExtensions(ehlo []string, tls bool) []finding {
	have := make(map[string][]string, len(ehlo))
	for _, line := range ehlo {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		have[strings.ToUpper(f[0])] = f[1:]
	}
	var out []finding
	for _, r := range extensionTable() {
		if r.Keyword == "" {
			continue
		}
		_, ok := have[r.Keyword]
		switch {
		case r.Requirement == mustNot && ok:
			out = append(out, finding{r.Keyword, mustNot, "RFC 6409, Section 7", "offered on the submission port"})
		case r.Requirement == must && !ok && !tls && hasKey(have, "STARTTLS"):
			out = append(out, finding{r.Keyword, should, "RFC 6409, Section 7", "not offered before STARTTLS; it must be offered after"})
		case r.Requirement == must && !ok:
			out = append(out, finding{r.Keyword, must, "RFC 6409, Section 7", "not offered"})
		case r.Requirement == should && !ok:
			out = append(out, finding{r.Keyword, should, "RFC 6409, Section 7", "not offered"})
		}
	}
	if tls && hasKey(have, "STARTTLS") {
		out = append(out, finding{"STARTTLS", mustNot, "RFC 3207, Section 4.2", "offered after TLS was negotiated"})
	}
	if !tls {
		for _, m := range have["AUTH"] {
			if m = strings.ToUpper(m); m == "PLAIN" || m == "LOGIN" {
				out = append(out, finding{"AUTH", shouldNot, "RFC 4954, Section 9; RFC 8314, Section 3",
					"cleartext mechanism " + m + " offered without TLS"})
			}
		}
	}
	if hasKey(have, "BINARYMIME") && !hasKey(have, "CHUNKING") {
		out = append(out, finding{"BINARYMIME", must, "RFC 3030, Section 3", "offered without CHUNKING"})
	}
	if hasKey(have, "SMTPUTF8") && !hasKey(have, "8BITMIME") {
		out = append(out, finding{"SMTPUTF8", must, "RFC 6531, Section 3.1", "offered without 8BITMIME"})
	}
	return out
}

func hasKey(m map[string][]string, k string) bool {
	_, ok := m[k]
	return ok
}
