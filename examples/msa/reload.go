package main

import (
	"context"

	"github.com/msakit/msakit/examples/internal/msaconfig"
)

// reload reads the config file again and puts its users in force, without
// touching connections (msaconfig.Loaded.Reload). With no user configured,
// as at start, the demo user stays.
func (m *msa) reload(ctx context.Context) error {
	return m.cfg.Reload(ctx, m.users, m.logger, func(l *msaconfig.Loaded) error {
		if l.Dir.Len() == 0 && m.demoUser != "" {
			return l.SetDemoUser(m.demoUser, m.demoPassword)
		}
		return nil
	})
}
