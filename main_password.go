package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// readPassword reads the password for `admin create` when --password is
// absent, so it never shows in the process list or the shell history: a
// prompt without echo on a terminal, else the first line of standard input
// (printf '%s\n' "$PW" | pushdeck admin create --email E).
func readPassword(in *os.File, prompt io.Writer) (string, error) {
	fd := int(in.Fd())
	if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		quiet := *old
		quiet.Lflag &^= unix.ECHO
		quiet.Lflag |= unix.ICANON | unix.ECHONL
		if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
			return "", fmt.Errorf("password prompt: %w", err)
		}
		defer func() { _ = unix.IoctlSetTermios(fd, unix.TCSETS, old) }() // best effort: restore echo
		if _, err := fmt.Fprint(prompt, "Password: "); err != nil {
			return "", fmt.Errorf("password prompt: %w", err)
		}
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
