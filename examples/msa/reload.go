package main

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
)

// reloadable are the settings a SIGHUP changes: what the Authenticator
// and the sender and recipient rules read (RFC 6409, Sections 6.1 and
// 6.2). The others are wired into listeners, the agent and the spool, and
// change at the next start.
var reloadable = map[string]bool{"user": true, "subaddress-separator": true}

// reload reads the config file again and puts its users in force, without
// touching connections: a session already authenticated keeps its
// identity; a user the file no longer has may start no new transaction. A
// file that does not load changes nothing; the error is logged at Error
// and returned.
func (m *msa) reload(ctx context.Context) error {
	if m.cfg.cl.configFile == "" {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "reload: no -config file, nothing to reload")
		return nil
	}
	l, err := m.cfg.cl.load()
	if err == nil && len(l.dir.users) == 0 && m.demoUser != "" {
		// No user configured, as at start: keep the demo user.
		l.FlagUsers = []userSpec{{name: m.demoUser, password: m.demoPassword}}
		l.dir, err = newDirectory(l.config, l.file)
	}
	if err != nil {
		m.logger.LogAttrs(ctx, slog.LevelError, "reload failed; the configuration in force is kept", slog.Any("err", err))
		return err
	}
	if keys := restartKeys(m.cfg.config, l.config); len(keys) > 0 {
		m.logger.LogAttrs(ctx, slog.LevelWarn, "reload: these settings change only at the next start", slog.String("keys", strings.Join(keys, ",")))
	}
	for _, name := range l.dir.weak {
		m.logger.LogAttrs(ctx, slog.LevelWarn, weakHashWarning, slog.String("user", name))
	}
	m.users.dir.Store(l.dir)
	m.logger.LogAttrs(ctx, slog.LevelInfo, "reloaded", slog.String("config", l.file.name), slog.Int("users", len(l.dir.users)))
	return nil
}

// restartKeys lists the file keys whose values differ between a and b and
// that a reload does not change.
func restartKeys(a, b *config) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	t := va.Type()
	var keys []string
	for i := range t.NumField() {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if key == "-" || reloadable[key] {
			continue
		}
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			keys = append(keys, key)
		}
	}
	return keys
}
