package header

import (
	"strconv"
	"strings"

	"github.com/msakit/msakit/envelope"
	"github.com/msakit/msakit/internal/ascii"
)

// maxAddresses bounds the number of mailboxes [ParseAddressList] returns
// (RFC 5322 sets no limit; RFC 5321, Section 4.5.3.1.8 asks a server to
// take at least 100 recipients per transaction). A longer list fails with
// [ErrTooBig] before it is decoded further.
const maxAddresses = 2000

// maxTokens bounds the lexical tokens of an address list: far more than
// maxAddresses mailboxes of ordinary size need, and a fast failure for a
// value made of a million commas or dots.
const maxTokens = 25 * maxAddresses

// maxAddressListLen bounds the length of a value given to the address
// parsers, the same as the default header size bound (RFC 5322,
// Section 3.4 sets none).
const maxAddressListLen = DefaultMaxSize

// Address is one mailbox of an address header field (RFC 5322, Section 3.4):
// From, Sender, Reply-To, To, Cc, Bcc and their Resent- forms.
type Address struct {
	// DisplayName is the phrase before the angle-addr, with quoted-strings
	// unquoted, white space between words reduced to one space and RFC 2047
	// encoded-words decoded (RFC 2047, Section 6). Empty when the mailbox is
	// a bare addr-spec; comments are never taken as a name (RFC 5322,
	// Section 3.2.2: comments carry no meaning). It is text, never an
	// address: a DisplayName that holds "@" or "<" is not the mailbox
	// (RFC 6409, Section 6.3 checks the addr-spec, never the name).
	DisplayName string
	// Mailbox is the addr-spec: the local part decoded from its quoted or
	// obsolete form, the domain parsed by [envelope.ParseDomain].
	Mailbox envelope.Mailbox
	// Group is the display name of the group the mailbox was listed in
	// (RFC 5322, Section 3.4), decoded as DisplayName; "" outside a group.
	Group string
	// Obsolete reports that the mailbox (or its group, or the list around
	// it) used the obsolete syntax of RFC 5322, Section 4.4: a route, white
	// space or comments inside the addr-spec, a quoted word in a dotted
	// local part, a "." in a display name, empty list elements, or obsolete
	// control characters. Such fields must be accepted but not generated.
	Obsolete bool
}

// ParseAddressList parses the value of an address-list field (To, Cc, Bcc,
// Reply-To and Resent-To/Cc/Bcc; RFC 5322, Sections 3.4 and 3.6.3) and
// returns its mailboxes in order; the members of a group carry the group's
// name in Group, and an empty group ("undisclosed-recipients:;") adds no
// entry. It accepts:
//
//   - name-addr, addr-spec and groups, with comments and folding white space
//     anywhere CFWS is allowed (comments nested at most 32 deep);
//   - the obsolete forms of RFC 5322, Section 4.4 (routes, empty list
//     elements, CFWS around the dots of an addr-spec, "." in a display name),
//     marking those mailboxes Obsolete;
//   - UTF-8 in atoms, quoted-strings, domain literals and comments
//     (RFC 6532, Section 3.2);
//   - RFC 2047 encoded-words in display names and group names, which are
//     decoded (charsets from the IANA registry) after the structure has been
//     parsed, so a decoded "," "<" or "@" can never change it. An
//     encoded-word that cannot be decoded is kept as written (RFC 2047,
//     Section 6.3); one that decodes to a control character is an error.
//
// The value must hold at least one address or group: an empty value is an
// error, although Bcc may be empty (RFC 5322, Section 3.6.3), which the
// caller checks first with [IsCFWS]. From and Resent-From are a
// mailbox-list (RFC 5322, Section 3.6.2; RFC 6854 allows a group in From):
// a caller that wants the RFC 5322 form refuses a result that is empty or
// has a Group. Every error is a [*SyntaxError]
// wrapping [ErrSyntax] (or [ErrTooBig] for more than 2000 mailboxes or a
// value over 1 MiB; ErrNUL, ErrBareCR,
// ErrBareLF). An addr-spec whose local part or domain [envelope] refuses
// (for example a domain literal that is no address literal, RFC 5321,
// Section 4.1.3) is an ErrSyntax whose message carries envelope's reason.
// The parser never panics and runs in time linear in the length of value.
func ParseAddressList(value string) ([]Address, error) {
	return parseAddresses(value, true)
}

// ParseAddress parses the value of a field that holds exactly one mailbox
// (Sender and Resent-Sender; RFC 5322, Sections 3.4 and 3.6.2): a
// name-addr or an addr-spec, read as [ParseAddressList] reads one, and
// never a group. It returns the [Address], the type of every mailbox this
// package parses, as net/mail.ParseAddress does. Two mailboxes, a group or
// an empty value are an [ErrSyntax].
func ParseAddress(value string) (Address, error) {
	as, err := parseAddresses(value, false)
	if err != nil {
		return Address{}, err
	}
	if len(as) != 1 {
		return Address{}, errAt(ErrSyntax, 0, "one mailbox expected, found "+strconv.Itoa(len(as)))
	}
	return as[0], nil
}

func parseAddresses(value string, groups bool) ([]Address, error) {
	if len(value) > maxAddressListLen {
		return nil, errAt(ErrTooBig, maxAddressListLen, "address list too long")
	}
	if out, ok := fastAddresses(value); ok {
		return out, nil
	}
	return slowAddresses(value, groups)
}

// slowAddresses is the general parser behind [ParseAddressList]: it
// tokenizes value and handles every form, errors included.
func slowAddresses(value string, groups bool) ([]Address, error) {
	toks, err := tokenize(value)
	if err != nil {
		return nil, err
	}
	ats := 0
	for _, t := range toks {
		if t.kind == tSpecial && t.c == '@' {
			ats++
		}
	}
	p := &addrParser{toks: toks, groups: groups, out: make([]Address, 0, min(ats, maxAddresses))}
	return p.list()
}

// tokKind is the kind of a lexical token of a structured field (RFC 5322,
// Section 3.2).
type tokKind uint8

const (
	tAtom    tokKind = iota // 1*atext
	tQuoted                 // quoted-string; text is the unquoted content
	tLiteral                // domain-literal; text is "[...]" without FWS
	tSpecial                // one of < > @ , ; : .
	tEOF
)

type token struct {
	text string // atom, unquoted string, literal
	pos  int32  // byte offset in the value (values are < 2 GiB)
	kind tokKind
	c    byte // the special character
	ws   bool // CFWS precedes the token
	cmt  bool // a comment precedes the token
	obs  bool // obsolete characters inside (obs-qtext, obs-qp, obs-dtext)
}

// tokenize splits a structured value into tokens, skipping CFWS. It runs in
// one pass over value.
func tokenize(value string) ([]token, error) {
	p := &scanner{s: value}
	toks := make([]token, 0, min(len(value)/3+2, 256))
	for {
		if len(toks) > maxTokens {
			return nil, errAt(ErrTooBig, p.i, "address list has too many tokens")
		}
		ws, cmt, err := p.cfws()
		if err != nil {
			return nil, err
		}
		t := token{ws: ws, cmt: cmt, pos: int32(p.i)}
		if p.eof() {
			t.kind = tEOF
			return append(toks, t), nil
		}
		c := p.peek()
		switch {
		case c == '<' || c == '>' || c == '@' || c == ',' || c == ';' || c == ':' || c == '.':
			t.kind, t.c = tSpecial, c
			p.i++
		case c == '"':
			t.kind = tQuoted
			t.text, t.obs, err = p.quotedString()
		case c == '[':
			t.kind = tLiteral
			t.text, t.obs, err = p.domainLiteral()
		case ascii.IsAtext(c) || c >= 0x80:
			t.kind = tAtom
			start := p.i
			for !p.eof() && (ascii.IsAtext(p.peek()) || p.peek() >= 0x80) {
				if p.peek() >= 0x80 {
					if err = p.textChar(); err != nil {
						break
					}
					continue
				}
				p.i++
			}
			t.text = value[start:p.i]
		case c == 0:
			return nil, errAt(ErrNUL, p.i, "NUL")
		default:
			return nil, errAt(ErrSyntax, p.i, "unexpected character "+strconv.QuoteRune(rune(c)))
		}
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
	}
}

// quotedString reads a quoted-string (RFC 5322, Section 3.2.4) at p.i and
// returns its content with quoted-pairs resolved and folds unfolded.
func (p *scanner) quotedString() (string, bool, error) {
	start := p.i
	p.i++
	var b strings.Builder
	obsBefore := p.obs
	p.obs = false
	for !p.eof() {
		c := p.peek()
		switch {
		case c == '"':
			p.i++
			obs := p.obs
			p.obs = obsBefore || obs
			return b.String(), obs, nil
		case c == '\\':
			s := p.i
			if err := p.quotedPair(); err != nil {
				return "", false, err
			}
			b.WriteString(p.s[s+1 : p.i])
		case c == '\r' || c == '\n':
			s := p.i
			if err := p.fws(); err != nil {
				return "", false, err
			}
			for _, w := range []byte(p.s[s:p.i]) {
				if w == ' ' || w == '\t' {
					b.WriteByte(w)
				}
			}
		default:
			s := p.i
			if err := p.textChar(); err != nil {
				return "", false, err
			}
			b.WriteString(p.s[s:p.i])
		}
	}
	return "", false, errAt(ErrSyntax, start, "unterminated quoted string")
}

// domainLiteral reads a domain-literal (RFC 5322, Section 3.4.1) at p.i and
// returns it with its brackets and without white space.
func (p *scanner) domainLiteral() (string, bool, error) {
	start := p.i
	p.i++
	var b strings.Builder
	b.WriteByte('[')
	obs := false
	for !p.eof() {
		c := p.peek()
		switch {
		case c == ']':
			p.i++
			b.WriteByte(']')
			return b.String(), obs, nil
		case c == '[':
			return "", false, errAt(ErrSyntax, p.i, `"[" inside a domain literal`)
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if err := p.fws(); err != nil {
				return "", false, err
			}
		case c == '\\': // obs-dtext quoted-pair
			obs = true
			s := p.i
			if err := p.quotedPair(); err != nil {
				return "", false, err
			}
			b.WriteString(p.s[s+1 : p.i])
		default:
			s := p.i
			if err := p.textChar(); err != nil {
				return "", false, err
			}
			if ascii.IsCtl(c) {
				obs = true
			}
			b.WriteString(p.s[s:p.i])
		}
	}
	return "", false, errAt(ErrSyntax, start, "unterminated domain literal")
}

// addrParser parses the token stream of an address list. Every method
// consumes tokens and never backs up, so parsing is linear.
type addrParser struct {
	toks   []token
	i      int
	groups bool // groups allowed
	out    []Address
}

func (p *addrParser) tok() token { return p.toks[p.i] }

// words advances over a run of atoms, quoted strings and dots, the shape
// shared by a phrase, a local part (RFC 5322, Section 3.4.1) and an id-left
// (Section 3.6.4), and returns it; the caller judges which it is.
func (p *addrParser) words() []token {
	start := p.i
	for {
		t := p.tok()
		if t.kind == tAtom || t.kind == tQuoted || t.kind == tSpecial && t.c == '.' {
			p.i++
			continue
		}
		return p.toks[start:p.i]
	}
}

func (p *addrParser) isSpecial(c byte) bool {
	t := p.toks[p.i]
	return t.kind == tSpecial && t.c == c
}

func (p *addrParser) fail(msg string) error {
	return errAt(ErrSyntax, int(p.tok().pos), msg)
}

// list parses address-list or mailbox-list, obsolete empty elements
// included (obs-addr-list, obs-mbox-list).
func (p *addrParser) list() ([]Address, error) {
	obsList := false
	items := 0
	for {
		for p.isSpecial(',') { // empty element
			obsList = true
			p.i++
		}
		if p.tok().kind == tEOF {
			break
		}
		first := len(p.out)
		if err := p.address(p.groups, ""); err != nil {
			return nil, err
		}
		items++
		if obsList {
			for k := first; k < len(p.out); k++ {
				p.out[k].Obsolete = true
			}
		}
		if p.tok().kind == tEOF {
			break
		}
		if !p.isSpecial(',') {
			return nil, p.fail(`"," expected between addresses`)
		}
		p.i++
		if p.isSpecial(',') || p.tok().kind == tEOF {
			obsList = true // empty element or trailing comma
			for k := first; k < len(p.out); k++ {
				p.out[k].Obsolete = true
			}
		}
	}
	if items == 0 {
		return nil, errAt(ErrSyntax, 0, "empty address list")
	}
	return p.out, nil
}

// address parses one mailbox, or a group when allowed.
func (p *addrParser) address(allowGroup bool, group string) error {
	// Collect words and dots: a display name, a group name or a local part.
	words := p.words()
	t := p.tok()
	switch {
	case t.kind == tSpecial && t.c == '<':
		name, obs, err := phrase(words, false)
		if err != nil {
			return err
		}
		a, err := p.angleAddr()
		if err != nil {
			return err
		}
		a.DisplayName, a.Group = name, group
		a.Obsolete = a.Obsolete || obs
		return p.add(a)
	case t.kind == tSpecial && t.c == '@':
		a, err := p.addrSpec(words)
		if err != nil {
			return err
		}
		a.Group = group
		return p.add(a)
	case t.kind == tSpecial && t.c == ':':
		if !allowGroup {
			if group != "" {
				return p.fail("group inside a group")
			}
			return p.fail("group not allowed in this field")
		}
		name, obs, err := phrase(words, true)
		if err != nil {
			return err
		}
		if name == "" {
			return p.fail("group without a name")
		}
		p.i++
		return p.groupList(name, obs)
	case len(words) == 0:
		return p.fail("address expected")
	}
	return p.fail(`"<", "@" or ":" expected after a name`)
}

// groupList parses the members of a group up to and including ";"
// (RFC 5322, Section 3.4 group-list, obs-group-list, obs-mbox-list).
func (p *addrParser) groupList(name string, obs bool) error {
	first := len(p.out)
	for {
		for p.isSpecial(',') {
			obs = true
			p.i++
		}
		if p.isSpecial(';') {
			p.i++
			break
		}
		if p.tok().kind == tEOF {
			return p.fail(`group not closed with ";"`)
		}
		if err := p.address(false, name); err != nil {
			return err
		}
		if p.isSpecial(',') {
			p.i++
			if p.isSpecial(',') || p.isSpecial(';') {
				obs = true
			}
			continue
		}
		if !p.isSpecial(';') {
			return p.fail(`"," or ";" expected in a group`)
		}
	}
	if obs {
		for k := first; k < len(p.out); k++ {
			p.out[k].Obsolete = true
		}
	}
	return nil
}

func (p *addrParser) add(a Address) error {
	if len(p.out) >= maxAddresses {
		return errAt(ErrTooBig, int(p.tok().pos), "more than "+strconv.Itoa(maxAddresses)+" addresses")
	}
	p.out = append(p.out, a)
	return nil
}

// angleAddr parses "<" [obs-route] addr-spec ">" with p.i on "<".
func (p *addrParser) angleAddr() (Address, error) {
	p.i++
	obs := false
	if p.isSpecial('@') || p.isSpecial(',') { // obs-route, RFC 5322 §4.4
		obs = true
		for p.isSpecial(',') || p.isSpecial('@') {
			if p.isSpecial(',') {
				p.i++
				continue
			}
			p.i++
			if _, _, err := p.domainTokens(); err != nil {
				return Address{}, err
			}
		}
		if !p.isSpecial(':') {
			return Address{}, p.fail(`":" expected after a route`)
		}
		p.i++
	}
	local := p.words()
	if !p.isSpecial('@') {
		if p.isSpecial('>') && len(local) == 0 {
			return Address{}, p.fail("empty angle address")
		}
		return Address{}, p.fail(`"@" expected in an address`)
	}
	a, err := p.addrSpec(local)
	if err != nil {
		return Address{}, err
	}
	if !p.isSpecial('>') {
		return Address{}, p.fail(`">" expected`)
	}
	p.i++
	a.Obsolete = a.Obsolete || obs
	return a, nil
}

// addrSpec builds an addr-spec from the local-part tokens already read and
// the domain that follows the "@" at p.i.
func (p *addrParser) addrSpec(local []token) (Address, error) {
	lp, obs, err := localPart(local)
	if err != nil {
		return Address{}, err
	}
	if !p.isSpecial('@') {
		return Address{}, p.fail(`"@" expected`)
	}
	p.i++ // CFWS around "@" is part of dot-atom, not obsolete
	domain, dobs, err := p.domainTokens()
	if err != nil {
		return Address{}, err
	}
	// envelope's error quotes the input, cut to 300 octets, so that a
	// megabyte-long local part does not become a megabyte-long log line.
	d, err := envelope.ParseDomain(domain)
	if err != nil {
		return Address{}, &SyntaxError{Offset: int(p.tok().pos), Kind: ErrSyntax, Msg: "invalid domain: " + err.Error()}
	}
	m, err := envelope.NewMailbox(lp, d)
	if err != nil {
		return Address{}, &SyntaxError{Offset: int(p.tok().pos), Kind: ErrSyntax, Msg: "invalid local part: " + err.Error()}
	}
	return Address{Mailbox: m, Obsolete: obs || dobs}, nil
}

// domainTokens reads a domain (dot-atom, domain-literal or obs-domain) at
// p.i and returns its text.
func (p *addrParser) domainTokens() (string, bool, error) {
	t := p.tok()
	obs := false
	if t.kind == tLiteral {
		p.i++
		return t.text, t.obs, nil
	}
	if t.kind != tAtom {
		return "", false, p.fail("domain expected")
	}
	var b strings.Builder
	for {
		t := p.tok()
		if t.kind != tAtom {
			return "", false, p.fail("domain label expected")
		}
		if b.Len() > 0 && t.ws {
			obs = true
		}
		b.WriteString(t.text)
		p.i++
		if !p.isSpecial('.') {
			break
		}
		if p.tok().ws {
			obs = true
		}
		b.WriteByte('.')
		p.i++
	}
	return b.String(), obs, nil
}

// localPart decodes word *("." word) (RFC 5322, Section 3.4.1 and the
// obs-local-part of Section 4.4).
func localPart(toks []token) (string, bool, error) {
	if len(toks) == 0 {
		return "", false, errAt(ErrSyntax, 0, "empty local part")
	}
	var b strings.Builder
	obs := false
	for k, t := range toks {
		wantWord := k%2 == 0
		isWord := t.kind == tAtom || t.kind == tQuoted
		if wantWord != isWord {
			return "", false, errAt(ErrSyntax, int(t.pos), "invalid local part (a dot must separate words)")
		}
		if k > 0 && t.ws {
			obs = true // CFWS inside the local part
		}
		if t.kind == tQuoted && len(toks) > 1 {
			obs = true // a quoted word in a dotted local part
		}
		obs = obs || t.obs
		if isWord {
			b.WriteString(t.text)
		} else {
			b.WriteByte('.')
		}
	}
	if len(toks)%2 == 0 {
		return "", false, errAt(ErrSyntax, int(toks[len(toks)-1].pos), "local part ends with a dot")
	}
	return b.String(), obs, nil
}

// phrase builds a display name from words and dots (RFC 5322,
// Section 3.2.5 phrase and obs-phrase), decoding encoded-words.
func phrase(toks []token, required bool) (string, bool, error) {
	if len(toks) == 0 {
		if required {
			return "", false, errAt(ErrSyntax, 0, "name expected")
		}
		return "", false, nil
	}
	if toks[0].kind == tSpecial {
		return "", false, errAt(ErrSyntax, int(toks[0].pos), "a name cannot start with a dot")
	}
	var b strings.Builder
	obs := false
	prevEncoded := false
	for k, t := range toks {
		obs = obs || t.obs
		if t.kind == tSpecial { // "." in obs-phrase
			obs = true
			if t.ws && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteByte('.')
			prevEncoded = false
			continue
		}
		text, encoded := t.text, false
		if t.kind == tAtom {
			var err error
			text, encoded, err = decodeWord(t.text)
			if err != nil {
				return "", false, &SyntaxError{Offset: int(t.pos), Kind: ErrSyntax, Msg: err.Error()}
			}
		}
		// RFC 2047 §6.2: white space between two encoded-words is dropped.
		if k > 0 && t.ws && !(encoded && prevEncoded) {
			b.WriteByte(' ')
		}
		b.WriteString(text)
		prevEncoded = encoded
	}
	return b.String(), obs, nil
}
