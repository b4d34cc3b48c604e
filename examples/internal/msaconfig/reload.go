package msaconfig

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"strings"
	"syscall"
)

// reloadable are the settings a SIGHUP changes: what the Authenticator
// and the sender and recipient rules read (RFC 6409, Sections 6.1 and
// 6.2). The others are wired into listeners, the agent and the spool, and
// change at the next start.
var reloadable = map[string]bool{"user": true, "subaddress-separator": true}

// Reload reads the config file again and puts its users in force in
// users, without touching connections: a session already authenticated
// keeps its identity; a user the file no longer has may start no new
// transaction (see Users). prepare, when set, may change the new
// configuration before it is put in force (examples/msa keeps its demo
// user). A file that does not load changes nothing; the error is logged
// at Error and returned. Settings other than the users that changed are
// logged at Warn: they wait for a restart. l stays the configuration the
// program started with.
func (l *Loaded) Reload(ctx context.Context, users *Users, logger *slog.Logger, prepare func(*Loaded) error) error {
	if l.cl.ConfigFile == "" {
		logger.LogAttrs(ctx, slog.LevelWarn, "reload: no -config file, nothing to reload")
		return nil
	}
	n, err := l.cl.Load()
	if err == nil && prepare != nil {
		err = prepare(n)
	}
	if err != nil {
		logger.LogAttrs(ctx, slog.LevelError, "reload failed; the configuration in force is kept", slog.Any("err", err))
		return err
	}
	if keys := restartKeys(l.cl.program, l.Settings, n.Settings); len(keys) > 0 {
		logger.LogAttrs(ctx, slog.LevelWarn, "reload: these settings change only at the next start", slog.String("keys", strings.Join(keys, ",")))
	}
	for _, name := range n.Dir.weak {
		logger.LogAttrs(ctx, slog.LevelWarn, WeakHashWarning, slog.String("user", name))
	}
	users.Store(n.Dir)
	logger.LogAttrs(ctx, slog.LevelInfo, "reloaded", slog.String("config", n.file.name), slog.Int("users", len(n.Dir.users)))
	return nil
}

// restartKeys lists the file keys of the settings program p uses whose
// values differ between a and b and that a reload does not change.
func restartKeys(p *Program, a, b *Settings) []string {
	var keys []string
	var walk func(va, vb reflect.Value, prefix string)
	walk = func(va, vb reflect.Value, prefix string) {
		t := va.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
			if key == "-" || reloadable[key] || !p.uses(f.Tag.Get("use")) {
				continue
			}
			fa, fb := va.Field(i), vb.Field(i)
			if f.Type == reflect.TypeFor[MilterSettings]() {
				walk(fa, fb, prefix+key+".")
				continue
			}
			if !reflect.DeepEqual(fa.Interface(), fb.Interface()) {
				keys = append(keys, prefix+key)
			}
		}
	}
	walk(reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem(), "")
	return keys
}

// LogStart logs what the program should know of its configuration at
// start: why the machine's name was not used, the file's keys it ignores
// (one Info line), and the users whose password hashes are weak.
func (l *Loaded) LogStart(logger *slog.Logger) {
	ctx := context.Background()
	if l.HostnameWarning != "" {
		logger.LogAttrs(ctx, slog.LevelWarn, l.HostnameWarning)
	}
	if len(l.Ignored) > 0 {
		logger.LogAttrs(ctx, slog.LevelInfo, "config: settings "+l.cl.program.Name+" does not use, ignored",
			slog.String("config", l.file.name), slog.String("keys", strings.Join(l.Ignored, ",")))
	}
	for _, name := range l.Dir.weak {
		logger.LogAttrs(ctx, slog.LevelWarn, WeakHashWarning, slog.String("user", name))
	}
}

// WaitSignals returns when ctx is done, and calls reload on each SIGHUP
// until then.
func WaitSignals(ctx context.Context, reload func(context.Context)) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-hup:
			reload(ctx)
		case <-ctx.Done():
			return
		}
	}
}
