package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// errNUL is a body holding the NUL character. PostgreSQL's text cannot
// store it (it refuses the whole statement), and no field of ours means
// anything by it, so every body is refused with it on both stores alike
// rather than failing deep in a write.
var errNUL = errors.New("the body holds the NUL character (U+0000), which no field may contain")

// nulReader passes a body through and fails with errNUL at the first NUL:
// a raw 0x00 byte (a CSV cell, or a JSON string, where it is not even
// legal) or JSON's escape for it, a backslash-u0000 whose backslash is not
// itself escaped. The state carries across reads, so an escape split
// between two reads is still seen.
type nulReader struct {
	r io.ReadCloser
	// esc: the previous byte was a backslash that escapes the next one.
	esc bool
	// got counts the bytes of "u0000" matched after an escaping backslash.
	got int
}

const nulEscape = "u0000"

func (n *nulReader) Read(p []byte) (int, error) {
	k, err := n.r.Read(p)
	for _, b := range p[:k] {
		if b == 0 {
			return 0, errNUL
		}
		if n.got > 0 {
			if b == nulEscape[n.got] {
				n.got++
				if n.got == len(nulEscape) {
					return 0, errNUL
				}
				continue
			}
			n.got = 0
		}
		switch {
		case n.esc:
			n.esc = false
			if b == 'u' {
				n.got = 1
			}
		case b == '\\':
			n.esc = true
		}
	}
	return k, err
}

func (n *nulReader) Close() error { return n.r.Close() }

// nulField names the first form field whose name or value holds a NUL.
func nulField(vals ...url.Values) (string, bool) {
	for _, vs := range vals {
		for k, list := range vs {
			if strings.IndexByte(k, 0) >= 0 {
				return "form", true
			}
			for _, v := range list {
				if strings.IndexByte(v, 0) >= 0 {
					return k, true
				}
			}
		}
	}
	return "", false
}

// nulBody answers 422 naming the body when err is errNUL.
func nulBody(c *gin.Context, err error) bool {
	if !errors.Is(err, errNUL) {
		return false
	}
	c.Header("Connection", "close") // the rest of the body is not read
	apiError(c, http.StatusUnprocessableEntity, "invalid", "some fields are invalid", map[string]string{"body": errNUL.Error()})
	return true
}

// nulForm names the first field of a parsed page form that holds a NUL.
func nulForm(c *gin.Context) (string, bool) {
	vals := []url.Values{c.Request.Form}
	if mf := c.Request.MultipartForm; mf != nil {
		vals = append(vals, mf.Value)
	}
	return nulField(vals...)
}
