package msaconfig

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// Every setting of each program has a flag form, one name, and a default
// that reads back; -h lists them all.
func TestSettings(t *testing.T) {
	t.Parallel()
	for _, p := range []*Program{serverProgram, milterProgram} {
		seen := map[string]bool{}
		def := Defaults()
		for _, s := range p.settings() {
			if seen[s.name] {
				t.Errorf("%s: flag -%s defined twice", p.Name, s.name)
			}
			seen[s.name] = true
			v := flagValue(reflect.ValueOf(&def).Elem().FieldByIndex(s.index)) // panics for a type without a flag form
			if s.usage == "" {
				t.Errorf("%s: -%s has no usage text", p.Name, s.name)
			}
			_ = v.String()
		}
		var b strings.Builder
		p.PrintUsage(&b)
		for name := range seen {
			if !strings.Contains(b.String(), "\n  -"+name) {
				t.Errorf("%s -h does not list -%s", p.Name, name)
			}
		}
	}
	// The milter's flags: its own, and the shared ones under their names.
	var b strings.Builder
	milterProgram.PrintUsage(&b)
	for _, want := range []string{"\n  -listen ADDR\n", `(default "inet:127.0.0.1:8891")`, "\n  -daemon NAME\n", "\n  -user NAME[:ADDR,...]\n", "\n  -dkim-key ", "\n  -local-domain "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("msakit-milter -h does not show %q:\n%s", want, b.String())
		}
	}
	for _, not := range []string{"-spool", "-tls-cert", "-relay", "-max-connections", "-command-timeout", "-metrics", "-limit-auth-failures", "STARTTLS"} {
		if strings.Contains(b.String(), not) {
			t.Errorf("msakit-milter -h shows %s, a setting of examples/msa's SMTP server", not)
		}
	}
}

// The example file documents every key, with its default, and loads in
// both programs.
func TestExampleFile(t *testing.T) {
	t.Parallel()
	for _, p := range []*Program{serverProgram, milterProgram} {
		l, err := configure(p, "-config", exampleFile)
		if err != nil {
			t.Fatalf("%s: loading %s: %v", p.Name, exampleFile, err)
		}
		// The documented defaults are the defaults.
		def := Defaults()
		for _, s := range allSettings() {
			if s.fileKey == "-" || s.name == "hostname" {
				continue
			}
			got := flagValue(reflect.ValueOf(l.Settings).Elem().FieldByIndex(s.index)).String()
			want := flagValue(reflect.ValueOf(&def).Elem().FieldByIndex(s.index)).String()
			if got != want {
				t.Errorf("%s: %s = %q, but the default is %q", exampleFile, s.fileKey, got, want)
			}
		}
	}
	// Every key is documented.
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range fileKeys(reflect.TypeFor[Settings](), "") {
		short := key[strings.LastIndexByte(key, '.')+1:]
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(short) + ` = `).Match(data) {
			t.Errorf("%s does not show the key %s", exampleFile, key)
		}
	}
}

// fileKeys lists the keys of a settings struct type and of its tables.
func fileKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if key == "-" || key == "" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && !reflect.PointerTo(ft).Implements(textType) {
			keys = append(keys, fileKeys(ft, prefix+key+".")...)
			continue
		}
		keys = append(keys, prefix+key)
	}
	return keys
}
