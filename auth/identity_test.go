package auth_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/msakit/msakit/auth"
)

func TestIdentity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		id       auth.Identity
		wantUser string
		wantZero bool
	}{
		{"zero", auth.Identity{}, "", true},
		{"authentication only", auth.Identity{AuthenticationID: "alice"}, "alice", false},
		{"acting as another", auth.Identity{AuthenticationID: "alice", AuthorizationID: "shared"}, "shared", false},
		{"authorization only is still zero", auth.Identity{AuthorizationID: "shared"}, "shared", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.id.User(); got != tc.wantUser {
				t.Errorf("User() = %q, want %q", got, tc.wantUser)
			}
			if got := tc.id.IsZero(); got != tc.wantZero {
				t.Errorf("IsZero() = %v, want %v", got, tc.wantZero)
			}
		})
	}
}

func TestIdentityLogValue(t *testing.T) {
	t.Parallel()
	id := auth.Identity{
		AuthenticationID: "alice",
		AuthorizationID:  "shared",
		Mechanism:        "PLAIN",
		At:               testNow,
		Address:          mustMailbox(t, "alice@bücher.example"),
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	logger.Info("auth", "identity", id)
	got := buf.String()
	for _, want := range []string{"identity.authcid=alice", "identity.authzid=shared", "identity.mechanism=PLAIN", "identity.at=2026-11-23T20:00:00.000Z", "identity.address=", "xn--bcher-kva.example"} {
		if !strings.Contains(got, want) {
			t.Errorf("log line %q lacks %q", got, want)
		}
	}
	buf.Reset()
	logger.Info("auth", "identity", auth.Identity{})
	if strings.Contains(buf.String(), "authcid") {
		t.Errorf("zero identity logged fields: %q", buf.String())
	}
}
