package handlers

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"

	"github.com/gin-gonic/gin"
)

func removeTemp(path string) {
	if path != "" {
		_ = os.Remove(path) // best effort: a file in the temp dir
	}
}

var errTooLarge = errors.New("upload too large")

// receiveUpload copies the "file" part into a temp file and returns it with
// the provider_id field.
func (s *Server) receiveUpload(c *gin.Context) (pid, name, path string, size int64, err error) {
	if c.Request.MultipartForm != nil {
		pid = c.PostForm("provider_id")
		fh, ferr := c.FormFile("file")
		if ferr != nil {
			return pid, "", "", 0, nil
		}
		f, ferr := fh.Open()
		if ferr != nil {
			return pid, fh.Filename, "", 0, fmt.Errorf("handlers: open upload: %w", ferr)
		}
		defer f.Close()
		path, size, err = spool(f)
		return pid, fh.Filename, path, size, err
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxImportBytes)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", "", "", 0, nil // not multipart: reported as a missing file
	}
	for {
		part, perr := mr.NextPart()
		if errors.Is(perr, io.EOF) {
			return pid, name, path, size, nil
		}
		if perr != nil {
			return pid, name, path, size, tooLarge(perr)
		}
		switch part.FormName() {
		case "provider_id":
			b, _ := io.ReadAll(io.LimitReader(part, 32)) // a short field; a read error leaves it invalid
			pid = string(b)
		case "file":
			if path != "" {
				continue
			}
			name = part.FileName()
			path, size, err = spool(part)
			if err != nil {
				return pid, name, path, size, tooLarge(err)
			}
		}
		if err := part.Close(); err != nil {
			return pid, name, path, size, tooLarge(err)
		}
	}
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return fmt.Errorf("handlers: read upload: %w", err)
}

// spool copies r into a new temp file.
func spool(r io.Reader) (string, int64, error) {
	f, err := os.CreateTemp("", "pushdeck-import-*.csv")
	if err != nil {
		return "", 0, fmt.Errorf("handlers: spool upload: %w", err)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), n, err
	}
	return f.Name(), n, nil
}

func sortedValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
