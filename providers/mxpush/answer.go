package mxpush

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
)

// readBody reads at most maxResponse bytes of an answer, into a buffer of
// the announced length when there is one: a push's answer is a few dozen
// bytes, and io.ReadAll starts at 512.
func readBody(resp *http.Response) ([]byte, error) {
	lr := io.LimitReader(resp.Body, maxResponse)
	if n := resp.ContentLength; n > 0 && n < maxResponse {
		return readAll(lr, make([]byte, 0, n+1)) // +1: the read that finds the end
	}
	return io.ReadAll(lr)
}

// readAll is io.ReadAll into buf, which it grows only when full.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// plainOK recognises the usual answer to a push without reflection:
// {"code":200,"data":{"task_id":n},"message":null} (or data true or null),
// in the server's key order. A personalized send reads one per recipient;
// any other form, spacing or order is read by encoding/json instead.
func plainOK(raw []byte) (json.RawMessage, bool) {
	const head, tail = `{"code":200,"data":`, `,"message":null}`
	b := bytes.TrimRight(raw, " \t\r\n")
	if len(b) < len(head)+len(tail) || !bytes.HasPrefix(b, []byte(head)) || !bytes.HasSuffix(b, []byte(tail)) {
		return nil, false
	}
	d := b[len(head) : len(b)-len(tail)]
	if string(d) == "true" || string(d) == "null" {
		return d, true
	}
	if _, ok := plainTaskID(d); ok {
		return d, true
	}
	return nil, false
}

// plainTaskID reads {"task_id":n} with n a positive decimal integer.
func plainTaskID(d []byte) (int64, bool) {
	const head, tail = `{"task_id":`, `}`
	if !bytes.HasPrefix(d, []byte(head)) || !bytes.HasSuffix(d, []byte(tail)) {
		return 0, false
	}
	digits := d[len(head) : len(d)-len(tail)]
	if len(digits) == 0 || len(digits) > 19 || digits[0] == '0' {
		return 0, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(string(digits), 10, 64)
	return id, err == nil
}
