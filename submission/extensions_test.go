package submission_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/msakit/msakit/submission"
)

func TestExtensions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cfg  func(*submission.Config)
		tls  bool
		want []string
	}{
		{"default under TLS", nil, true,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "SIZE 33554432", "AUTH PLAIN LOGIN"}},
		{"default before TLS", nil, false,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "DSN", "SIZE 33554432", "STARTTLS"}},
		{"chunking, no limit, no DSN", func(c *submission.Config) {
			c.Chunking = true
			c.MaxSize = -1
			c.DisableExtensions = []string{"dsn", "STARTTLS"}
		}, true,
			[]string{"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME", "SMTPUTF8", "SIZE", "CHUNKING", "BINARYMIME", "AUTH PLAIN LOGIN"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.cfg)
			c := conn()
			if !tc.tls {
				c.TLS = nil
			}
			got := f.agent.Extensions(c)
			// AUTH's mechanism list is auth's business; compare the keyword line prefix.
			for i := range got {
				if strings.HasPrefix(got[i], "AUTH ") {
					got[i] = "AUTH PLAIN LOGIN"
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Extensions = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewRejectsOmittingAuth(t *testing.T) {
	t.Parallel()
	_, err := submission.New(submission.Config{Hostname: mustDomain(t, "msa.example.org"), DisableExtensions: []string{"auth"}})
	if err == nil {
		t.Fatal("New accepted DisableExtensions AUTH")
	}
	if _, err := submission.New(submission.Config{}); err == nil {
		t.Fatal("New accepted a zero Hostname")
	}
}
