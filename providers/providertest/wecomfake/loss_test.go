package wecomfake

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLostAnswers: a lost answer comes after the work was done (the
// message is delivered), and the duplicate check then drops an identical
// retry within the interval but not one sent without the check.
func TestLostAnswers(t *testing.T) {
	const checked = `{"touser":"alice|bob","msgtype":"text","agentid":1000002,"text":{"content":"hi"},"enable_duplicate_check":1,"duplicate_check_interval":60}`
	const unchecked = `{"touser":"carol","msgtype":"text","agentid":1000002,"text":{"content":"hi"},"enable_duplicate_check":0,"duplicate_check_interval":60}`
	s := New(t)
	u := s.URL + PathSend + "?access_token=" + getToken(t, s)
	post := func(body string) answer {
		t.Helper()
		return call(t, http.MethodPost, u, "application/json", body)
	}

	s.LoseAnswerNext(1, Loss{Status: http.StatusBadGateway})
	if a := post(checked); a.status != http.StatusBadGateway {
		t.Fatalf("lost answer: %d %s", a.status, a.raw)
	}
	if a := post(checked); a.status != 200 || a.code() != 0 {
		t.Fatalf("retry: %d %s", a.status, a.raw)
	}
	s.LoseAnswerNext(1, Loss{Status: http.StatusServiceUnavailable})
	post(unchecked)
	post(unchecked)

	// A hang past the caller's timeout: processed, nothing answered.
	s.LoseAnswerNext(1, Loss{Hang: time.Second})
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(strings.Replace(checked, "hi", "hang", 1)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a hung answer arrived: %d", resp.StatusCode)
	}

	msgs := s.Messages()
	if len(msgs) != 5 {
		t.Fatalf("%d messages, want 5", len(msgs))
	}
	if strings.Join(msgs[0].Delivered, ",") != "alice,bob" || !msgs[1].Duplicate || len(msgs[1].Delivered) != 0 {
		t.Errorf("checked retry after a lost answer: %+v then %+v", msgs[0], msgs[1])
	}
	if msgs[2].Duplicate || msgs[3].Duplicate || len(msgs[3].Delivered) != 1 {
		t.Errorf("unchecked retry must deliver again: %+v then %+v", msgs[2], msgs[3])
	}
	if len(msgs[4].Delivered) != 2 {
		t.Errorf("hung call not processed: %+v", msgs[4])
	}
	lost := 0
	for _, r := range s.Requests() {
		if r.Lost {
			lost++
		}
	}
	if lost != 3 {
		t.Errorf("%d requests marked lost, want 3", lost)
	}
}

// TestLoseAnswerEvery: every n-th send call loses its answer, the losses
// taken in turn; other calls and other paths are untouched.
func TestLoseAnswerEvery(t *testing.T) {
	s := New(t)
	u := s.URL + PathSend + "?access_token=" + getToken(t, s)
	s.LoseAnswerEvery(3, Loss{Status: http.StatusBadGateway}, Loss{Status: http.StatusInternalServerError})
	var statuses []int
	for i := range 7 {
		body := `{"touser":"u` + string(rune('a'+i)) + `","msgtype":"text","agentid":1000002,"text":{"content":"x"}}`
		statuses = append(statuses, call(t, http.MethodPost, u, "application/json", body).status)
	}
	want := []int{200, 200, 502, 200, 200, 500, 200}
	for i := range want {
		if statuses[i] != want[i] {
			t.Fatalf("statuses %v, want %v", statuses, want)
		}
	}
	if n := len(s.Messages()); n != 7 {
		t.Fatalf("%d messages processed, want 7", n)
	}
	s.LoseAnswerEvery(0)
	if a := call(t, http.MethodPost, u, "application/json", `{"touser":"z","msgtype":"text","agentid":1000002,"text":{"content":"x"}}`); a.status != 200 {
		t.Fatalf("after stopping: %d", a.status)
	}
}
