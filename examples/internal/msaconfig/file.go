package msaconfig

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// The config file is TOML (https://toml.io/en/v1.0.0), read by
// pelletier/go-toml/v2: its decoder refuses unknown keys
// (DisallowUnknownFields) and reports the line and column of every error,
// including those of the values' own parsers (encoding.TextUnmarshaler),
// so a bad file is one error that names its line. Keys are the flag names
// (see Settings); examples/msa/msa.example.toml documents every one.

// maxConfigSize bounds the config file: it is read whole.
const maxConfigSize = 4 << 20

// configFile is a config file as read, kept to name lines in later errors.
type configFile struct {
	name string
	pos  map[string]unstable.Position // key path ("user[1].name") → where its key is
}

// fileError is an error in the config file: "FILE:LINE:COL: KEY: what".
type fileError struct {
	file      string
	line, col int
	key       string
	msg       string
}

func (e *fileError) Error() string {
	var b strings.Builder
	b.WriteString(e.file)
	if e.line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.line, e.col)
	}
	if e.key != "" {
		b.WriteString(": " + e.key)
	}
	b.WriteString(": " + e.msg)
	return oneLine(b.String())
}

// oneLine escapes control characters (a quoted key or the decoder's
// message may hold a newline), so that an error stays one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// loadConfig reads the config file name over the defaults.
func loadConfig(name string) (*Settings, *configFile, error) {
	data, err := readConfig(name)
	if err != nil {
		return nil, nil, err
	}
	return parseConfig(name, data)
}

// parseConfig decodes the config file name, whose content is data, over
// the defaults.
func parseConfig(name string, data []byte) (*Settings, *configFile, error) {
	c := Defaults()
	doc := scan(data)
	f := &configFile{name: name, pos: doc.pos}
	if err := f.checkKinds(doc); err != nil {
		return nil, nil, err
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, nil, f.decodeError(err)
	}
	return &c, f, nil
}

func readConfig(name string) ([]byte, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("config: %s is longer than %d octets", name, maxConfigSize)
	}
	return data, nil
}

// typeMismatch is the text go-toml gives when a value has the wrong type;
// it names Go types, so it is replaced by what the key wants.
var typeMismatch = regexp.MustCompile(`^cannot decode TOML (\w+) into struct field`)

// decodeError turns go-toml's error into one fileError.
func (f *configFile) decodeError(err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		e := strict.Errors[0]
		line, col := e.Position()
		msg := "unknown key"
		if n := len(strict.Errors) - 1; n > 0 {
			msg += fmt.Sprintf(" (and %d more)", n)
		}
		return &fileError{file: f.name, line: line, col: col, key: strings.Join(e.Key(), "."), msg: msg}
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		key := strings.Join(de.Key(), ".")
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		if m := typeMismatch.FindStringSubmatch(msg); m != nil {
			msg = "want " + describe(fieldType(de.Key())) + ", not a TOML " + m[1]
		}
		return &fileError{file: f.name, line: line, col: col, key: key, msg: msg}
	}
	return &fileError{file: f.name, msg: err.Error()}
}

// fieldType is the type of the Settings field at a key path, nil if none.
func fieldType(key []string) reflect.Type {
	t, _, _ := field(key)
	return t
}

// field is the type of the Settings field at a key path, nil if none, and
// the first use tag on the way there ("" when every program uses it) with
// the number of key parts up to the field that has it.
func field(key []string) (t reflect.Type, use string, depth int) {
	t = reflect.TypeFor[Settings]()
	for n, k := range key {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil, use, depth
		}
		found := false
		for i := range t.NumField() {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("toml"), ","); name == k {
				t, found = f.Type, true
				if use == "" {
					use, depth = f.Tag.Get("use"), n+1
				}
				break
			}
		}
		if !found {
			return nil, use, depth
		}
	}
	return t, use, depth
}

// ignored lists the keys of the file that program p does not use, each
// once, without indexes ("user.password-hash"), in the order of the file.
func (f *configFile) ignored(p *Program) []string {
	first := map[string]unstable.Position{}
	for path, pos := range f.pos {
		parts := strings.Split(stripIndexes(path), ".")
		_, use, depth := field(parts)
		if p.uses(use) {
			continue
		}
		k := strings.Join(parts[:depth], ".")
		if old, ok := first[k]; !ok || pos.Line < old.Line || pos.Line == old.Line && pos.Column < old.Column {
			first[k] = pos
		}
	}
	keys := slices.Collect(maps.Keys(first))
	slices.SortFunc(keys, func(a, b string) int {
		pa, pb := first[a], first[b]
		if pa.Line != pb.Line {
			return pa.Line - pb.Line
		}
		return pa.Column - pb.Column
	})
	return keys
}

var (
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType = reflect.TypeFor[Duration]()
)

// describe says in words what a value of type t is written as.
func describe(t reflect.Type) string {
	switch {
	case t == nil:
		return "another type"
	case t == durationType:
		return `a duration string such as "90s" or "5m"`
	case reflect.PointerTo(t).Implements(textType), t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		return "an integer"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct && !reflect.PointerTo(t.Elem()).Implements(textType):
		return "tables ([[...]])"
	case t.Kind() == reflect.Slice:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	case t.Kind() == reflect.Map, t.Kind() == reflect.Struct:
		return "a table"
	}
	return t.String()
}

// errorAt is a fileError at the key path key ("user[1].addresses[0]"),
// or at the nearest enclosing key the file has.
func (f *configFile) errorAt(key, msg string) error {
	if f == nil {
		return errors.New(key + ": " + msg)
	}
	e := &fileError{file: f.name, key: stripIndexes(key), msg: msg}
	for k := key; k != ""; k = parentKey(k) {
		if p, ok := f.pos[k]; ok {
			e.line, e.col = p.Line, p.Column
			break
		}
	}
	return e
}

var indexes = regexp.MustCompile(`\[\d+\]`)

func stripIndexes(key string) string { return indexes.ReplaceAllString(key, "") }

// parentKey drops the last element of a key path.
func parentKey(k string) string {
	if strings.HasSuffix(k, "]") {
		return k[:strings.LastIndexByte(k, '[')]
	}
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[:i]
	}
	return ""
}

// document is where things are in a TOML document.
type document struct {
	// pos maps the key path of each key, table header and array element
	// to where it starts: "listen", "user[0]" (the [[user]] header),
	// "user[0].addresses[1]", "rewrite.domains.sales".
	pos map[string]unstable.Position
	// scalars are the values that are not arrays or tables, with the key
	// path without indexes (an array's elements have the array's).
	scalars []scalar
}

type scalar struct {
	key  []string
	kind unstable.Kind
	pos  unstable.Position
}

// scan indexes a TOML document; it stops at the first syntax error, which
// the decoder reports.
func scan(data []byte) *document {
	doc := &document{pos: map[string]unstable.Position{}}
	var p unstable.Parser
	p.Reset(data)
	arrays := map[string]int{} // array-table path → tables so far
	prefix, prefixKey := "", []string(nil)
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts, first := keyParts(e.Key())
			path := ""
			for i, k := range parts {
				path = joinKey(path, k)
				if i == len(parts)-1 && e.Kind == unstable.ArrayTable {
					n := arrays[path]
					arrays[path] = n + 1
					path += "[" + strconv.Itoa(n) + "]"
				} else if n := arrays[path]; n > 0 {
					path += "[" + strconv.Itoa(n-1) + "]"
				}
			}
			if first != nil {
				doc.pos[path] = p.Shape(first.Raw).Start
			}
			prefix, prefixKey = path, parts
		case unstable.KeyValue:
			doc.addKeyValue(&p, prefix, prefixKey, e)
		}
	}
	return doc
}

// addKeyValue records a key = value and, inside the value, every array
// element and inline-table key.
func (doc *document) addKeyValue(p *unstable.Parser, prefix string, prefixKey []string, kv *unstable.Node) {
	parts, first := keyParts(kv.Key())
	path := prefix
	for _, k := range parts {
		path = joinKey(path, k)
	}
	if first != nil {
		doc.pos[path] = p.Shape(first.Raw).Start
	}
	doc.addValue(p, path, append(slices.Clip(prefixKey), parts...), kv.Value())
}

func (doc *document) addValue(p *unstable.Parser, path string, key []string, v *unstable.Node) {
	switch v.Kind {
	case unstable.Array:
		it := v.Children()
		for i := 0; it.Next(); i++ {
			el := it.Node()
			elPath := path + "[" + strconv.Itoa(i) + "]"
			if el.Raw.Length > 0 {
				doc.pos[elPath] = p.Shape(el.Raw).Start
			}
			doc.addValue(p, elPath, key, el)
		}
	case unstable.InlineTable:
		it := v.Children()
		for it.Next() {
			doc.addKeyValue(p, path, key, it.Node())
		}
	default:
		if v.Raw.Length > 0 {
			doc.scalars = append(doc.scalars, scalar{key: key, kind: v.Kind, pos: p.Shape(v.Raw).Start})
		}
	}
}

// keyParts returns the parts of a dotted key and its first node.
func keyParts(it unstable.Iterator) ([]string, *unstable.Node) {
	var parts []string
	var first *unstable.Node
	for it.Next() {
		n := it.Node()
		if first == nil {
			first = n
		}
		parts = append(parts, string(n.Data))
	}
	return parts, first
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// checkKinds refuses a value that is not a string where the config wants
// one of its own types: go-toml would hand such a type the number's text
// and report its error without a position.
func (f *configFile) checkKinds(doc *document) error {
	for _, s := range doc.scalars {
		t := fieldType(s.key)
		for t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
			t = t.Elem()
		}
		if t != nil && s.kind != unstable.String && reflect.PointerTo(t).Implements(textType) {
			return &fileError{file: f.name, line: s.pos.Line, col: s.pos.Column, key: strings.Join(s.key, "."),
				msg: "want " + describe(t) + ", not a TOML " + strings.ToLower(s.kind.String())}
		}
	}
	return nil
}
