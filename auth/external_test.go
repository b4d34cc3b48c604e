package auth_test

import (
	"testing"

	"github.com/msakit/msakit/auth"
)

func TestExternal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cn        string
		responses [][]byte
		want      error
		wantUser  string
		wantAuthz string
	}{
		{name: "derive identity", cn: "alice.example.org", responses: [][]byte{{}}, wantUser: "alice"},
		{name: "no initial response", cn: "alice.example.org", responses: [][]byte{nil, {}}, wantUser: "alice"},
		{name: "authzid self", cn: "alice.example.org", responses: [][]byte{b("ALICE")}, wantUser: "alice"},
		{name: "authzid granted", cn: "alice.example.org", responses: [][]byte{b("shared")}, wantUser: "shared", wantAuthz: "shared"},
		{name: "authzid not granted", cn: "alice.example.org", responses: [][]byte{b("bob")}, want: auth.ErrInvalidCredentials},
		{name: "unknown certificate", cn: "mallory.example", responses: [][]byte{{}}, want: auth.ErrInvalidCredentials},
		{name: "NUL in authzid", cn: "alice.example.org", responses: [][]byte{b("a\x00b")}, want: auth.ErrMalformed},
		{name: "authzid not UTF-8", cn: "alice.example.org", responses: [][]byte{b("\xfe")}, want: auth.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := auth.ConnState{TLS: true, VerifiedChains: chain(tc.cn)}
			o := exchange(t, "EXTERNAL", c, newFakeAuth(), tc.responses...)
			checkOutcome(t, "EXTERNAL", o, tc.want, tc.wantUser, tc.wantAuthz)
		})
	}
}
