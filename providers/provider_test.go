package providers

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestWeComIntervalInSeconds: the duplicate check interval travels in JSON
// as whole seconds (WeCom's unit and the API's), not as nanoseconds.
func TestWeComIntervalInSeconds(t *testing.T) {
	b, err := json.Marshal(Message{WeCom: WeComOptions{DuplicateCheck: true, DuplicateCheckInterval: 10*time.Minute + time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"duplicate_check_interval":601`) || !strings.Contains(string(b), `"enable_duplicate_check":true`) {
		t.Errorf("encoded %s", b)
	}
	var m Message
	if err := json.Unmarshal([]byte(`{"wecom":{"safe":true,"duplicate_check_interval":600,"btntxt":"more"}}`), &m); err != nil {
		t.Fatal(err)
	}
	if m.WeCom.DuplicateCheckInterval != 10*time.Minute || !m.WeCom.Safe || m.WeCom.ButtonText != "more" {
		t.Errorf("decoded %+v", m.WeCom)
	}
	if err := json.Unmarshal([]byte(`{"wecom":{"duplicate_check_interval":"10m"}}`), &m); err == nil {
		t.Error("a string interval was accepted")
	}
	if b, _ := json.Marshal(WeComOptions{}); strings.Contains(string(b), "duplicate_check_interval") {
		t.Errorf("zero interval written: %s", b)
	}
}
