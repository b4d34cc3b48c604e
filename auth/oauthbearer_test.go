package auth_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"

	"github.com/msakit/msakit/auth"
)

// ob builds an RFC 7628 client response from a GS2 header and kvpairs.
func ob(gs2 string, kv ...string) []byte {
	s := gs2 + "\x01"
	for _, p := range kv {
		s += p + "\x01"
	}
	return b(s + "\x01")
}

func TestOAuthBearer(t *testing.T) {
	t.Parallel()
	const tok = "auth=Bearer tok-alice.1"
	tests := []struct {
		name       string
		host       string
		responses  [][]byte
		want       error
		wantStatus string // error result sent before the failure, "" none
		wantUser   string
		wantAuthz  string
	}{
		// RFC 7628, Section 4.1, with our token.
		{name: "RFC 7628 4.1", responses: [][]byte{ob("n,a=user@example.com,", "host=server.example.com", "port=143", tok), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "no authzid", responses: [][]byte{ob("n,,", tok)}, wantUser: "alice"},
		{name: "no initial response", responses: [][]byte{nil, ob("n,,", tok)}, wantUser: "alice"},
		{name: "y flag", responses: [][]byte{ob("y,,", tok)}, wantUser: "alice"},
		{name: "authzid self", responses: [][]byte{ob("n,a=Alice,", tok)}, wantUser: "alice"},
		{name: "authzid granted", responses: [][]byte{ob("n,a=shared,", tok)}, wantUser: "shared", wantAuthz: "shared"},
		{name: "authzid not granted", responses: [][]byte{ob("n,a=bob,", tok), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "bearer lower case, extra spaces", responses: [][]byte{ob("n,,", "auth=bearer   tok-alice.1")}, wantUser: "alice"},
		{name: "token padding", responses: [][]byte{ob("n,,", "auth=Bearer tok-alice.1=="), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "unknown keys ignored", responses: [][]byte{ob("n,,", "mthd=POST", "qs=", tok, "xyz=a b")}, wantUser: "alice"},
		{name: "host matches", host: "mail.example.org", responses: [][]byte{ob("n,,", "host=MAIL.example.org", "port=587", tok)}, wantUser: "alice"},
		{name: "host differs", host: "mail.example.org", responses: [][]byte{ob("n,,", "host=evil.example", tok), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "Kelvin sign for k in host refused", host: "kmail.example.org", responses: [][]byte{ob("n,,", "host=\u212amail.example.org", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "bad token", responses: [][]byte{ob("n,,", "auth=Bearer nope"), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "dummy response not 0x01", responses: [][]byte{ob("n,,", "auth=Bearer nope"), b("x")}, want: auth.ErrMalformed, wantStatus: "invalid_token"},
		{name: "empty dummy response", responses: [][]byte{ob("n,,", "auth=Bearer nope"), {}}, want: auth.ErrMalformed, wantStatus: "invalid_token"},
		{name: "nil dummy response", responses: [][]byte{ob("n,,", "auth=Bearer nope"), nil}, want: auth.ErrMalformed, wantStatus: "invalid_token"},
		{name: "lone kvsep first", responses: [][]byte{b("\x01")}, want: auth.ErrInvalidCredentials},
		{name: "empty response", responses: [][]byte{{}, b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "missing auth", responses: [][]byte{ob("n,,", "host=x"), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "duplicate auth", responses: [][]byte{ob("n,,", tok, tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "channel binding", responses: [][]byte{ob("p=tls-unique,,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "bad cb flag", responses: [][]byte{ob("x,,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "authzid without a=", responses: [][]byte{ob("n,user,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "authzid escapes", responses: [][]byte{ob("n,a=sh=3Dared=2C,", tok), b("\x01")}, want: auth.ErrInvalidCredentials, wantStatus: "invalid_token"},
		{name: "authzid bad escape", responses: [][]byte{ob("n,a=x=41,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "authzid truncated escape", responses: [][]byte{ob("n,a=x=3,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "empty a=", responses: [][]byte{ob("n,a=,", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "not bearer", responses: [][]byte{ob("n,,", "auth=Basic YWxpY2U="), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "bearer without token", responses: [][]byte{ob("n,,", "auth=Bearer "), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "token bad char", responses: [][]byte{ob("n,,", "auth=Bearer a,b"), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "token = inside", responses: [][]byte{ob("n,,", "auth=Bearer a=b"), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "bad port", responses: [][]byte{ob("n,,", "port=0143", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "port too big", responses: [][]byte{ob("n,,", "port=65536", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "key not alphabetic", responses: [][]byte{ob("n,,", "k1=v", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "pair without =", responses: [][]byte{ob("n,,", "novalue", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "control char in value", responses: [][]byte{ob("n,,", "x=\x00", tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "missing final kvsep", responses: [][]byte{b("n,,\x01" + tok), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "unterminated pair", responses: [][]byte{b("n,,\x01" + tok + "\x01host=x"), b("\x01")}, want: auth.ErrMalformed, wantStatus: "invalid_request"},
		{name: "too long", responses: [][]byte{ob("n,,", "auth=Bearer "+strings.Repeat("a", 12288))}, want: auth.ErrResponseTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := auth.ConnState{TLS: true, Host: tc.host}
			o := exchange(t, "OAUTHBEARER", c, newFakeAuth(), tc.responses...)
			checkOutcome(t, "OAUTHBEARER", o, tc.want, tc.wantUser, tc.wantAuthz)
			var status string
			for _, ch := range o.challenges {
				if len(ch) == 0 {
					continue
				}
				var res struct {
					Status  string  `json:"status"`
					Schemes string  `json:"schemes"`
					Scope   *string `json:"scope"`
				}
				if err := json.Unmarshal(ch, &res); err != nil {
					t.Fatalf("challenge %q is not JSON: %v", ch, err)
				}
				if res.Schemes != "bearer" || res.Scope != nil {
					t.Errorf("error result %s: want schemes bearer and no scope", ch)
				}
				status = res.Status
			}
			if status != tc.wantStatus {
				t.Errorf("error result status %q, want %q", status, tc.wantStatus)
			}
		})
	}
}

func TestOAuthBearerTemporary(t *testing.T) {
	t.Parallel()
	f := newFakeAuth()
	f.err = auth.ErrTemporary
	o := exchange(t, "OAUTHBEARER", withTLS, f, ob("n,,", "auth=Bearer tok-alice.1"))
	checkOutcome(t, "OAUTHBEARER", o, auth.ErrTemporary, "", "")
	if len(o.challenges) != 0 {
		t.Errorf("temporary failure sent challenges %q, want none", o.challenges)
	}
}

// TestOAuthBearerGoSASLClient runs go-sasl's client against our server,
// success and failure (the client turns the error result into an error).
func TestOAuthBearerGoSASLClient(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		token string
		ok    bool
	}{{"tok-alice.1", true}, {"expired", false}} {
		c := sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Token: tc.token, Host: "mail.example.org", Port: 465})
		_, ir, err := c.Start()
		if err != nil {
			t.Fatal(err)
		}
		srv, err := auth.NewServer(t.Context(), "OAUTHBEARER", auth.ConnState{TLS: true, Host: "mail.example.org"}, newFakeAuth(), clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		ch, done, err := srv.Next(ir)
		if tc.ok {
			if !done || err != nil {
				t.Errorf("token %q: Next = %v, %v; want success", tc.token, done, err)
			}
			continue
		}
		if done || err != nil || !bytes.Contains(ch, b("invalid_token")) {
			t.Fatalf("token %q: Next = %q, %v, %v; want an error result", tc.token, ch, done, err)
		}
		if _, cerr := c.Next(ch); cerr == nil {
			t.Errorf("client accepted error result %q", ch)
		}
		if _, _, err := srv.Next(b("\x01")); err == nil {
			t.Error("server succeeded after the error result")
		}
	}
}
