package fcm

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/providertest/fcmfake"
)

func TestLostAnswersAreSentAgainUnderTheSameCollapseKey(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	c := newClient(t, f, nil)
	f.LoseAnswerEvery(9)
	toks := deviceTokens(200)
	res, err := send(t, c, notificationReq("req-lost-00001", toks))
	if err != nil {
		t.Fatal(err)
	}
	f.LoseAnswerEvery(0)
	if len(res.Outcomes) != 0 {
		t.Fatalf("outcomes %+v: every token was delivered", res.Outcomes[0])
	}
	lost := f.Stats().Lost
	if lost == 0 {
		t.Fatal("no answer was lost: the case proves nothing")
	}
	repeats := 0
	for _, tok := range toks {
		ds := f.Deliveries(tok)
		if len(ds) == 0 || len(ds) > sendAttempts {
			t.Fatalf("%s received %d messages", tok, len(ds))
		}
		for _, d := range ds {
			// The device replaces a repeat with the same key instead of
			// showing it twice.
			if d.CollapseKey != "req-lost-00001" || d.Tag != "req-lost-00001" || d.APNSCollapseID != "req-lost-00001" {
				t.Fatalf("%s: delivery %+v not under the request id", tok, d)
			}
		}
		repeats += len(ds) - 1
	}
	// A token is sent again only after its answer was lost.
	if repeats != lost {
		t.Fatalf("%d repeated deliveries, %d answers lost", repeats, lost)
	}
}

func TestPartlyDeliveredBatchIsNotSentAgain(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	c := newClient(t, f, nil)
	toks := deviceTokens(10)
	// Every second call is refused UNAVAILABLE, retries included: after
	// the client's attempts some tokens are delivered and some are not.
	f.FailEvery(2, fcmfake.Fault{Status: 503})
	res, err := send(t, c, notificationReq("req-partial-01", toks))
	if err != nil {
		t.Fatalf("a batch with delivered tokens must not fail as a whole: %v", err)
	}
	failed := 0
	for _, o := range res.Outcomes {
		if o.Status != providers.StatusFailed || o.Code != "UNAVAILABLE" || !strings.Contains(o.Message, "not sent again") {
			t.Fatalf("outcome %+v", o)
		}
		failed++
	}
	delivered := 0
	for _, tok := range toks {
		delivered += len(f.Deliveries(tok))
	}
	// Every token is either delivered once or failed, never both.
	if delivered+failed != len(toks) {
		t.Fatalf("%d delivered and %d failed of %d", delivered, failed, len(toks))
	}
	if failed == 0 {
		t.Fatal("nothing failed: the fault missed the batch")
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	f := fcmfake.New(t)
	c := newClient(t, f, nil)
	topicReq := func(opts providers.Options, tags ...string) providers.SendRequest {
		r := notificationReq("req-topic-0001", nil)
		r.Target = providers.Target{Kind: providers.AudienceTag, Values: tags}
		r.Message.Options = opts
		return r
	}
	tests := []struct {
		name string
		req  providers.SendRequest
		want string // the fake's delivery key; "" when refused
	}{
		{"one topic", topicReq(providers.Options{OptSendAsTopic: true}, "news"), "topic:news"},
		{"any of several", topicReq(providers.Options{OptSendAsTopic: true}, "a", "b"), "topic:'a' in topics || 'b' in topics"},
		{"all of several", topicReq(providers.Options{OptSendAsTopic: true, OptTopicMatch: "all"}, "a", "b", "c"), "topic:'a' in topics && 'b' in topics && 'c' in topics"},
		{"without the option", topicReq(nil, "news"), ""},
		{"six topics", topicReq(providers.Options{OptSendAsTopic: true}, "a", "b", "c", "d", "e", "f"), ""},
		{"a quote in a tag", topicReq(providers.Options{OptSendAsTopic: true}, "a' in topics || 'b"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := send(t, c, tc.req)
			if tc.want == "" {
				if pe := providerError(t, err); pe.Class != providers.Permanent || pe.Code != codeRefused {
					t.Fatalf("got %v, want refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ds := f.Deliveries(tc.want); len(ds) != 1 || res.TaskID != ds[0].Name {
				t.Fatalf("deliveries to %q: %+v, task %q", tc.want, ds, res.TaskID)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 4100)
	tests := []struct {
		name  string
		m     providers.Message
		field string
		id    string
	}{
		{"fine", providers.Message{Type: providers.TypeNotification, Ext: []byte(`{"a":"b"}`)}, "", ""},
		{"reserved key", providers.Message{Ext: []byte(`{"google.x":"b"}`)}, providers.FieldExt, "fcm.err.reserved_key"},
		{"the client's key", providers.Message{Ext: []byte(`{"url":"b"}`)}, providers.FieldExt, "fcm.err.client_key"},
		{"too big", providers.Message{Ext: []byte(`{"a":"` + long + `"}`)}, providers.FieldExt, "fcm.err.data_too_big"},
		{"too big for a topic", providers.Message{Ext: []byte(`{"a":"` + long[:2100] + `"}`), Options: providers.Options{OptSendAsTopic: true}}, providers.FieldExt, "fcm.err.data_too_big"},
		{"label characters", providers.Message{Options: providers.Options{OptAnalyticsLabel: "a b"}}, "message.options.analytics_label", "fcm.err.label_chars"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ps := Capabilities().Check(tc.m)
			if tc.id == "" {
				if len(ps) != 0 {
					t.Fatalf("problems %+v", ps)
				}
				return
			}
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.id {
				t.Fatalf("problems %+v, want %s on %s", ps, tc.id, tc.field)
			}
		})
	}
	tags := Capabilities().CheckTags
	asTopic := providers.Message{Options: providers.Options{OptSendAsTopic: true}}
	for _, tc := range []struct {
		name      string
		tags      []string
		m         providers.Message
		field, id string
	}{
		{"as topics", []string{"a", "b"}, asTopic, "", ""},
		{"without the option", []string{"a"}, providers.Message{}, "message.options.send_as_topic", "fcm.err.topic_needs_option"},
		{"six topics", []string{"a", "b", "c", "d", "e", "f"}, asTopic, "audience.values", "fcm.err.too_many_topics"},
		{"not a topic name", []string{"a b"}, asTopic, "audience.values", "fcm.err.topic_chars"},
	} {
		t.Run("tags "+tc.name, func(t *testing.T) {
			ps := tags(tc.tags, tc.m)
			if tc.id == "" && len(ps) == 0 {
				return
			}
			if len(ps) != 1 || ps[0].Field != tc.field || ps[0].MsgID != tc.id {
				t.Fatalf("problems %+v, want %s on %s", ps, tc.id, tc.field)
			}
		})
	}
}
