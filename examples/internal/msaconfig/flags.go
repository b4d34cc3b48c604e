package msaconfig

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
)

// ErrUsage matches (errors.Is) every error of a command line that could
// not be parsed or cannot be right; the program exits with status 2, as
// the flag package does.
var ErrUsage = errors.New("usage error")

// usageError is such an error; its text is the cause's alone, one line
// that names the flag.
type usageError struct{ err error }

func (e usageError) Error() string        { return e.err.Error() }
func (e usageError) Unwrap() error        { return e.err }
func (e usageError) Is(target error) bool { return target == ErrUsage }

// Usagef is a usage error ([ErrUsage]) with the text of fmt.Errorf.
func Usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// setting is one field of [Settings] that is also a command-line flag.
type setting struct {
	name    string // flag name; the toml key unless the flag tag says otherwise
	fileKey string // the toml key path ("milter.listen"); "-" for a flag the file does not have
	arg     string // name of the value in -h; "" for a switch
	usage   string
	use     string // the use tag
	index   []int  // field index path in Settings
}

// allSettings lists the fields of Settings that have a flag form, of
// every program, in the order of the fields; a table's own come at its
// place.
func allSettings() []setting {
	var out []setting
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			at := append(append([]int(nil), index...), i)
			usage, ok := f.Tag.Lookup("usage")
			if !ok {
				if f.Type.Kind() == reflect.Struct && !reflect.PointerTo(f.Type).Implements(textType) {
					walk(f.Type, prefix+key+".", at)
				}
				continue
			}
			name := f.Tag.Get("flag")
			if name == "" {
				name = key
			}
			if key != "-" {
				key = prefix + key
			}
			out = append(out, setting{name: name, fileKey: key, arg: f.Tag.Get("arg"), usage: usage, use: f.Tag.Get("use"), index: at})
		}
	}
	walk(reflect.TypeFor[Settings](), "", nil)
	return out
}

// settings lists the flags of the program, in the order of the fields.
func (p *Program) settings() []setting {
	var out []setting
	for _, s := range allSettings() {
		if p.uses(s.use) {
			out = append(out, s)
		}
	}
	return out
}

// CommandLine is what the command line says: the flags given, in order,
// to be applied over the config file, and the options that are not
// settings.
type CommandLine struct {
	// ConfigFile is -config: the file to read, "" for none.
	ConfigFile string
	// Version is -version: print the version and exit.
	Version bool

	program *Program
	machine func() (string, error) // the machine's name: os.Hostname
	given   []givenFlag
}

type givenFlag struct{ name, value string }

// ParseArgs parses the command line of program p. Errors are one line,
// naming the flag (a bad value does not print the usage); -h returns
// [flag.ErrHelp].
func ParseArgs(p *Program, args []string) (*CommandLine, error) {
	cl := &CommandLine{program: p, machine: os.Hostname}
	fs, _ := p.newFlagSet(nil)
	fs.StringVar(&cl.ConfigFile, "config", "", "")
	fs.BoolVar(&cl.Version, "version", false, "")
	record := map[string]bool{}
	for _, s := range p.settings() {
		record[s.name] = true
	}
	// Each flag is wrapped to record the settings' values as given, to
	// replay them over the file, and the error of a bad value, to report
	// it in one line of our own.
	var rec recorder
	wrapped := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	wrapped.SetOutput(io.Discard)
	wrapped.Usage = func() {}
	fs.VisitAll(func(f *flag.Flag) {
		wrapped.Var(&recordingValue{Value: f.Value, name: f.Name, setting: record[f.Name], rec: &rec}, f.Name, f.Usage)
	})
	if err := wrapped.Parse(args); err != nil {
		switch {
		case errors.Is(err, flag.ErrHelp):
			return nil, err
		case rec.err != nil:
			return nil, Usagef("-%s: %w", rec.errFlag, rec.err)
		}
		return nil, Usagef("%w (%s -h lists the flags)", err, p.Name)
	}
	if wrapped.NArg() > 0 {
		return nil, Usagef("unexpected argument %q (%s -h lists the flags)", wrapped.Arg(0), p.Name)
	}
	cl.given = rec.given
	return cl, nil
}

// recorder keeps what the flags of ParseArgs were given.
type recorder struct {
	given   []givenFlag
	err     error // the first bad value
	errFlag string
}

// recordingValue passes Set on and records the value or the error.
type recordingValue struct {
	flag.Value
	name    string
	setting bool // a field of Settings, to be replayed
	rec     *recorder
}

func (r *recordingValue) Set(s string) error {
	if err := r.Value.Set(s); err != nil {
		if r.rec.err == nil {
			r.rec.err, r.rec.errFlag = err, r.name
		}
		return err
	}
	if r.setting {
		r.rec.given = append(r.rec.given, givenFlag{r.name, s})
	}
	return nil
}

func (r *recordingValue) IsBoolFlag() bool {
	b, ok := r.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// newFlagSet returns a flag set of the program's settings that writes
// into c, or into fresh Defaults when c is nil; it returns the settings
// written to.
func (p *Program) newFlagSet(c *Settings) (*flag.FlagSet, *Settings) {
	if c == nil {
		d := Defaults()
		c = &d
	}
	fs := flag.NewFlagSet(p.Name, flag.ContinueOnError)
	v := reflect.ValueOf(c).Elem()
	for _, s := range p.settings() {
		fs.Var(flagValue(v.FieldByIndex(s.index)), s.name, s.usage)
	}
	return fs, c
}

// apply sets the flags given on the command line in c: a flag given
// replaces the file's value (a list flag its whole list).
func (cl *CommandLine) apply(c *Settings) error {
	fs, _ := cl.program.newFlagSet(c)
	v := reflect.ValueOf(c).Elem()
	cleared := map[string]bool{}
	for _, s := range cl.program.settings() {
		for _, g := range cl.given {
			if f := v.FieldByIndex(s.index); g.name == s.name && !cleared[s.name] && f.Kind() == reflect.Slice {
				f.SetZero()
				cleared[s.name] = true
			}
		}
	}
	for _, g := range cl.given {
		if err := fs.Set(g.name, g.value); err != nil {
			return fmt.Errorf("-%s: %w", g.name, err) // cannot happen: parsed once already
		}
	}
	return nil
}

// gave reports whether the command line set the setting s; a flag the
// file does not have (-user) sets no file key.
func (cl *CommandLine) gave(s setting) bool {
	for _, g := range cl.given {
		if g.name == s.name && s.fileKey != "-" {
			return true
		}
	}
	return false
}

// PrintUsage prints -h: the program's Usage, then -config, -version and
// every flag with its default.
func (p *Program) PrintUsage(w io.Writer) {
	defaults := Defaults()
	fmt.Fprint(w, p.Usage)
	fmt.Fprintf(w, "  -config FILE\n    \tread the settings from FILE (TOML, see examples/msa/msa.example.toml); flags given override it\n")
	fmt.Fprintf(w, "  -version\n    \tprint the version and exit\n")
	v := reflect.ValueOf(&defaults).Elem()
	for _, s := range p.settings() {
		head := "  -" + s.name
		if s.arg != "" {
			head += " " + s.arg
		}
		def := flagValue(v.FieldByIndex(s.index)).String()
		line := s.usage
		if def != "" && def != "0" && def != "false" {
			line += " (default " + strconv.Quote(def) + ")"
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", head, line)
	}
}

// flagValue is the flag.Value that reads into the Settings field v.
func flagValue(v reflect.Value) flag.Value {
	switch p := v.Addr().Interface().(type) {
	case flag.Value:
		return p
	case *string:
		return (*stringFlag)(p)
	case *int:
		return (*intFlag)(p)
	case *int64:
		return (*int64Flag)(p)
	case *bool:
		return (*boolFlag)(p)
	case interface {
		encoding.TextUnmarshaler
		encoding.TextMarshaler
	}:
		return textFlag{p}
	}
	if v.Kind() == reflect.Slice {
		return listFlag{v}
	}
	panic(fmt.Sprintf("config field of type %s has no flag form", v.Type())) // a mistake in Settings, caught by TestSettings
}

type stringFlag string

func (s *stringFlag) Set(v string) error { *s = stringFlag(v); return nil }
func (s *stringFlag) String() string     { return string(*s) }

type intFlag int

func (n *intFlag) Set(v string) error {
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return fmt.Errorf("%q is not a whole number, 0 or more", v)
	}
	*n = intFlag(i)
	return nil
}
func (n *intFlag) String() string { return strconv.Itoa(int(*n)) }

type int64Flag int64

func (n *int64Flag) Set(v string) error {
	i, err := strconv.ParseInt(v, 10, 64)
	if err != nil || i < 0 {
		return fmt.Errorf("%q is not a whole number, 0 or more", v)
	}
	*n = int64Flag(i)
	return nil
}
func (n *int64Flag) String() string { return strconv.FormatInt(int64(*n), 10) }

type boolFlag bool

func (b *boolFlag) Set(v string) error {
	x, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	*b = boolFlag(x)
	return nil
}
func (b *boolFlag) String() string   { return strconv.FormatBool(bool(*b)) }
func (b *boolFlag) IsBoolFlag() bool { return true }

type textFlag struct {
	v interface {
		encoding.TextUnmarshaler
		encoding.TextMarshaler
	}
}

func (t textFlag) Set(s string) error { return t.v.UnmarshalText([]byte(s)) }
func (t textFlag) String() string {
	b, _ := t.v.MarshalText()
	return string(b)
}

// listFlag appends each value given to a slice of flag.Values.
type listFlag struct{ v reflect.Value }

func (l listFlag) Set(s string) error {
	e := reflect.New(l.v.Type().Elem())
	if err := e.Interface().(flag.Value).Set(s); err != nil {
		return err
	}
	l.v.Set(reflect.Append(l.v, e.Elem()))
	return nil
}

func (l listFlag) String() string {
	if !l.v.IsValid() {
		return ""
	}
	var s []string
	for i := range l.v.Len() {
		s = append(s, l.v.Index(i).Addr().Interface().(flag.Value).String())
	}
	return strings.Join(s, ",")
}
