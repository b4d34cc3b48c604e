package msaconfig

import (
	"bufio"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/term"
)

// maxPasswordInput bounds the password read by hash-password.
const maxPasswordInput = 4096

// hashPasswordUsage is hash-password -h.
const hashPasswordUsage = `Usage: msa hash-password [-bcrypt [-cost N]] [-m KiB -t N -p N] < password

Prints a password hash for password-hash in the config file: argon2id with
the second recommended option of RFC 9106, Section 4 (-m 65536 KiB, -t 3
passes, -p 4 lanes), or bcrypt with -bcrypt (-cost 12). The password is read
from the terminal without echo, twice, or else as the first line of standard
input; never from the command line.
`

// HashPasswordCommand runs "msa hash-password": it reads a password
// and prints its hash for a [[user]]'s password-hash. The password is
// never taken from the command line, where ps and the shell's history
// would show it: from a terminal it is read twice without echo, otherwise
// the first line of standard input is the password.
func HashPasswordCommand(args []string, in io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("msa hash-password", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	hp := defaultHashParams
	fs.BoolVar(&hp.Bcrypt, "bcrypt", false, "")
	fs.IntVar(&hp.Cost, "cost", bcryptCost, "")
	t, m, p := uint(hp.Time), uint(hp.Memory), uint(hp.Threads)
	fs.UintVar(&t, "t", t, "")
	fs.UintVar(&m, "m", m, "")
	fs.UintVar(&p, "p", p, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, hashPasswordUsage)
			return err
		}
		return Usagef("hash-password: %w", err)
	}
	if fs.NArg() > 0 {
		return Usagef("hash-password: unexpected argument %q: the password is read from standard input, never from the command line", fs.Arg(0))
	}
	switch {
	case hp.Bcrypt && (hp.Cost < bcrypt.MinCost || hp.Cost > maxBcryptCost):
		return Usagef("hash-password: -cost must be from %d to %d", bcrypt.MinCost, maxBcryptCost)
	case t < 1 || t > maxArgon2Time:
		return Usagef("hash-password: -t must be from 1 to %d", maxArgon2Time)
	case p < 1 || p > 255:
		return Usagef("hash-password: -p must be from 1 to 255")
	case m < 8*p || m > maxArgon2Memory:
		return Usagef("hash-password: -m must be from 8 times -p to %d (KiB)", maxArgon2Memory)
	}
	hp.Time, hp.Memory, hp.Threads = uint32(t), uint32(m), uint8(p) //nolint:gosec // bounded above
	password, err := readPassword(in, stderr)
	if err != nil {
		return err
	}
	h, err := HashPassword(password, hp, rand.Reader)
	if err != nil {
		return fmt.Errorf("hash-password: %w", err)
	}
	fmt.Fprintln(stdout, h)
	return nil
}

// readPassword reads the password from a terminal, twice and without
// echo, or else the first line of in.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) { //nolint:gosec // a file descriptor fits an int
		fmt.Fprint(prompt, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd())) //nolint:gosec // as above
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("hash-password: %w", err)
		}
		fmt.Fprint(prompt, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd())) //nolint:gosec // as above
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("hash-password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("hash-password: the passwords differ")
		}
		return checkPasswordInput(string(p1))
	}
	line, err := bufio.NewReaderSize(io.LimitReader(in, maxPasswordInput+1), maxPasswordInput+1).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("hash-password: reading the password: %w", err)
	}
	if len(line) > maxPasswordInput {
		return "", fmt.Errorf("hash-password: the password is longer than %d octets", maxPasswordInput)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	return checkPasswordInput(line)
}

func checkPasswordInput(p string) (string, error) {
	if p == "" {
		return "", errors.New("hash-password: empty password")
	}
	return p, nil
}
