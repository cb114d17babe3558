package mxpush

import (
	"bytes"
	"encoding/json"
	"strconv"
)

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
