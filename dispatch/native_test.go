package dispatch

import (
	"encoding/json"
	"testing"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// capsOf builds a kind's real client to read its capabilities (no call).
func capsOf(t *testing.T, kind providers.Kind) providers.Capabilities {
	t.Helper()
	creds := map[providers.Kind]string{
		providers.KindSandbox: `{}`,
		providers.KindGeTui:   `{"app_id":"a","app_key":"k","master_secret":"s"}`,
		providers.KindMXPush:  `{"app_id":"a","access_token":"t"}`,
		providers.KindWeCom:   `{"corp_id":"c","corp_secret":"s","agent_id":1}`,
	}
	p, err := testRegistry().Build(kind, providers.Config{BaseURL: "http://127.0.0.1:1", Credentials: json.RawMessage(creds[kind])})
	if err != nil {
		t.Fatal(err)
	}
	return p.Capabilities()
}

// TestNativeAudience: all and tag are native where the provider declares
// them, every other kind is listed, and the answer agrees with the plan.
func TestNativeAudience(t *testing.T) {
	listedOnly := providers.Capabilities{Audiences: map[providers.AudienceKind]int{providers.AudienceCID: 500}}
	tests := []struct {
		name string
		caps providers.Capabilities
		kind string
		want bool
	}{
		{"sandbox all", capsOf(t, providers.KindSandbox), "all", true},
		{"sandbox tag", capsOf(t, providers.KindSandbox), "tag", true},
		{"getui all", capsOf(t, providers.KindGeTui), "all", true},
		{"getui tag", capsOf(t, providers.KindGeTui), "tag", true},
		{"mxpush tag", capsOf(t, providers.KindMXPush), "tag", true},
		{"wecom all", capsOf(t, providers.KindWeCom), "all", true},
		{"sandbox segment", capsOf(t, providers.KindSandbox), "segment", false},
		{"getui conditions", capsOf(t, providers.KindGeTui), "conditions", false},
		{"sandbox cid", capsOf(t, providers.KindSandbox), "cid", false},
		{"getui alias", capsOf(t, providers.KindGeTui), "alias", false},
		{"all without native all", listedOnly, "all", false},
		{"tag without native tags", listedOnly, "tag", false},
		{"alias without native alias", listedOnly, "alias", false},
		{"unknown kind", capsOf(t, providers.KindSandbox), "everyone", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := models.Audience{Kind: tc.kind, Values: []string{"v"}}
			got := NativeAudience(a, tc.caps)
			if got != tc.want {
				t.Errorf("NativeAudience(%s) = %v, want %v", tc.kind, got, tc.want)
			}
			m, err := planMode(a, tc.caps)
			if plan := err == nil && m == broadcast; plan != got {
				t.Errorf("NativeAudience says %v but the planner broadcasts=%v", got, plan)
			}
		})
	}
}
