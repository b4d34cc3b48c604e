//go:build !linux

package main

import "os"

// syncFS is syncfs(2), which only Linux has: errNoSyncFS tells the
// committer to fsync each file and the directory instead.
func syncFS(*os.File) error { return errNoSyncFS }
