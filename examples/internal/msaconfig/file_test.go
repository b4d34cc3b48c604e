package msaconfig

import (
	"slices"
	"testing"
)

func TestScan(t *testing.T) {
	t.Parallel()
	doc := "listen = \"x\"\n[[user]]\nname = \"a\"\naddresses = [\"a@example.org\",\n  \"b@example.org\"]\n[[user]]\nname = \"b\"\n[rewrite]\ndomains = { \"a.example\" = \"b.example\" }\n"
	pos := scan([]byte(doc)).pos
	for key, want := range map[string]int{
		"listen": 1, "user[0]": 2, "user[0].name": 3, "user[0].addresses": 4, "user[0].addresses[1]": 5,
		"user[1]": 6, "user[1].name": 7, "rewrite": 8, "rewrite.domains.a.example": 9,
	} {
		if got := pos[key].Line; got != want {
			t.Errorf("line of %s = %d, want %d", key, got, want)
		}
	}
	keys := make([]string, 0, len(pos))
	for k := range pos {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) != 11 {
		t.Errorf("positions of %v, want 11 keys", keys)
	}
}
