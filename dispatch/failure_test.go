package dispatch

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// TestFailureOf: what an operator is told of each kind of provider
// failure, wrapped as the engine and the clients wrap them.
func TestFailureOf(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		id       string
		class    providers.Class
		detail   string
		internal bool
	}{
		{"refusal", fmt.Errorf("send: %w", &providers.Error{Class: providers.Permanent, Code: "20001", Msg: "bad token"}), "provider_error.permanent", providers.Permanent, "20001: bad token", false},
		{"credentials", &providers.Error{Class: providers.Reauth, Code: "401", Msg: "no"}, "provider_error.reauth", providers.Reauth, "401: no", false},
		{"unreachable", &providers.Error{Class: providers.Retry, Code: "transport", Msg: "refused", Err: context.DeadlineExceeded}, "provider_error.retry", providers.Retry, "transport: refused", false},
		{"settings", fmt.Errorf("dispatch: client: %w", &providers.ConfigError{Problems: []providers.Problem{{Field: "credentials.b", MsgID: "err.required"}, {Field: "base_url", MsgID: "providers.err_base_url"}}}),
			"provider_error.config", providers.Permanent, "base_url providers.err_base_url; credentials.b err.required", false},
		{"sealed with another key", fmt.Errorf("models: open: %w", models.ErrUnreadableSecret), "provider_error.unreadable", providers.Reauth, "credentials_unreadable: the stored credentials were sealed with another secret key", false},
		{"timeout", fmt.Errorf("verify: %w", context.DeadlineExceeded), "provider_error.timeout", providers.Retry, "timeout: the provider did not answer in time", false},
		{"interrupted", context.Canceled, "provider_error.interrupted", providers.Retry, "interrupted: the call ended before the provider answered", false},
		{"internal", errors.New("disk on fire"), "provider_error.internal", providers.Permanent, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := FailureOf(tc.err)
			if f.ID != tc.id || f.Class != tc.class || f.Detail != tc.detail || f.Internal != tc.internal {
				t.Errorf("FailureOf = %+v, want id %s class %s detail %q internal %v", f, tc.id, tc.class, tc.detail, tc.internal)
			}
			if tc.detail != "" && f.Args != nil && f.Args["Message"] != tc.detail {
				t.Errorf("args %v, want Message %q", f.Args, tc.detail)
			}
			if got := healthText(tc.err); (tc.internal && got != internalHealth) || (!tc.internal && got != tc.detail) {
				t.Errorf("health %q", got)
			}
		})
	}
	ps := FailureOf(&providers.ConfigError{Problems: []providers.Problem{{Field: "credentials.b", MsgID: "err.required"}, {Field: "base_url", MsgID: "providers.err_base_url"}}}).Problems
	if len(ps) != 2 || ps[0].Field != "base_url" || ps[1].Field != "credentials.b" {
		t.Errorf("settings problems %+v, want base_url then credentials.b", ps)
	}
	if healthText(nil) != "" {
		t.Error("a success leaves no health message")
	}
}
