package msaconfig

import (
	"context"
	"errors"
	"testing"

	"github.com/msakit/msakit/auth"
)

// Hash checks run at most GOMAXPROCS at once; one waiting for its turn
// gives up when its context ends, with a temporary failure (454 4.7.0).
func TestUsers_HashingBound(t *testing.T) {
	t.Parallel()
	l, err := configure(serverProgram, "-user", "alice:pw")
	if err != nil {
		t.Fatal(err)
	}
	u := NewUsers(l.Dir)
	for range cap(u.hashing) {
		u.hashing <- struct{}{} // every slot taken
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := u.AuthenticatePassword(ctx, "", "alice", "pw"); !errors.Is(err, auth.ErrTemporary) || !errors.Is(err, context.Canceled) {
		t.Errorf("AUTH with every hashing slot taken and ctx done = %v, want ErrTemporary", err)
	}
	<-u.hashing
	if _, err := u.AuthenticatePassword(t.Context(), "", "alice", "pw"); err != nil {
		t.Errorf("AUTH with a slot free = %v", err)
	}
}
