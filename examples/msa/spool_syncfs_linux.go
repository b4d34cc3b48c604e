package main

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the whole file system that holds f, data and metadata of
// every file (syncfs(2), Linux 2.6.39; its errors are reported since
// Linux 5.8). A kernel without it answers errNoSyncFS.
func syncFS(f *os.File) error {
	err := unix.Syncfs(int(f.Fd()))
	if errors.Is(err, unix.ENOSYS) {
		return errNoSyncFS
	}
	return err
}
