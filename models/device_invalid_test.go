package models

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// sendOnce freezes one batch of cids for a campaign and records res as its
// outcome, as the engine does after the provider answered.
func sendOnce(t *testing.T, s *Store, acct ProviderAccount, cids []string, res BatchResult) {
	t.Helper()
	ctx := context.Background()
	c := mustCreateCampaign(t, s, acct, Audience{Kind: "cid"})
	if _, err := s.Transition(ctx, c.ID, StatusSending, "t", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.FreezeBatches(ctx, c.ID, []NewBatch{{Target: json.RawMessage(`{}`), Recipients: cids}}, "z", true); err != nil {
		t.Fatal(err)
	}
	b, ok, err := s.ClaimBatch(ctx, "w", time.Minute, 0)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := s.CompleteBatch(ctx, b, res); err != nil {
		t.Fatal(err)
	}
}

func TestInvalidDevicesMarkedExcludedCleared(t *testing.T) {
	s := mustOpenStore(t)
	ctx := context.Background()
	acct := mustCreateAccount(t, s)
	other, err := s.CreateProviderAccount(ctx, ProviderInput{Name: "other", Kind: "sandbox", Credentials: json.RawMessage(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	tags := []string{"t"}
	var in []DeviceInput
	for _, c := range []string{"a", "b", "c", "d", "e"} {
		in = append(in, DeviceInput{CID: c, Tags: &tags})
	}
	for _, a := range []ProviderAccount{acct, other} {
		if _, err := s.UpsertDevices(ctx, a.ID, slices.Clone(in)); err != nil {
			t.Fatal(err)
		}
	}
	// b answered invalid on its own, c and d through the batch's final
	// outcome (a provider that refused the whole batch as invalid) — but
	// d's own outcome says accepted, so only b and c are marked.
	long := strings.Repeat("x", 400)
	sendOnce(t, s, acct, []string{"b", "e"}, BatchResult{Outcomes: []Outcome{{Recipient: "b", Status: DeliveryInvalid, Code: "Unregistered", Message: long}}})
	sendOnce(t, s, acct, []string{"c", "d"}, BatchResult{Final: DeliveryInvalid, Code: "all_invalid", Outcomes: []Outcome{{Recipient: "d", Status: DeliveryAccepted}}})

	page, _, err := s.ListDevices(ctx, DeviceFilter{ProviderID: acct.ID, Invalid: InvalidOnly})
	if err != nil {
		t.Fatal(err)
	}
	var marked []string
	for _, d := range page {
		marked = append(marked, d.CID)
		if d.InvalidAt == nil || d.InvalidReason == "" || len(d.InvalidReason) > maxInvalidReason {
			t.Fatalf("device %s: invalid_at %v, reason %q", d.CID, d.InvalidAt, d.InvalidReason)
		}
	}
	if !slices.Equal(marked, []string{"b", "c"}) {
		t.Fatalf("marked %v, want [b c]", marked)
	}
	if !strings.HasPrefix(page[0].InvalidReason, "Unregistered: xxx") || page[1].InvalidReason != "all_invalid" {
		t.Fatalf("reasons %q, %q", page[0].InvalidReason, page[1].InvalidReason)
	}
	if n, err := s.CountInvalidDevices(ctx, acct.ID); err != nil || n != 2 {
		t.Fatalf("count invalid: %d %v", n, err)
	}
	if n, err := s.CountInvalidDevices(ctx, other.ID); err != nil || n != 0 {
		t.Fatalf("the other account's devices are not marked: %d %v", n, err)
	}
	rest, _, err := s.ListDevices(ctx, DeviceFilter{ProviderID: acct.ID, Invalid: InvalidExcluded})
	if err != nil || len(rest) != 3 {
		t.Fatalf("excluded filter: %d devices, %v", len(rest), err)
	}

	// Resolved audiences leave them out unless asked; lists go as given.
	for _, a := range []Audience{{Kind: "all"}, {Kind: "tag", Values: []string{"t"}}, {Kind: "conditions", Tree: json.RawMessage(`{"op":"or","items":[{"field":"tag","op":"in","values":["t"]},{"field":"platform","op":"in","values":["ios"]}]}`)}} {
		if got := streamAll(t, s, acct.ID, a, 2); !slices.Equal(got, []string{"a", "d", "e"}) {
			t.Fatalf("%s: streamed %v", a.Kind, got)
		}
		if n, err := s.CountAudience(ctx, acct.ID, a); err != nil || n != 3 {
			t.Fatalf("%s: count %d %v", a.Kind, n, err)
		}
		a.IncludeInvalid = true
		if got := streamAll(t, s, acct.ID, a, 2); len(got) != 5 {
			t.Fatalf("%s with invalid: streamed %v", a.Kind, got)
		}
		if n, err := s.CountAudience(ctx, acct.ID, a); err != nil || n != 5 {
			t.Fatalf("%s with invalid: count %d %v", a.Kind, n, err)
		}
	}
	if got := streamAll(t, s, acct.ID, Audience{Kind: "cid", Values: []string{"b", "c"}}, 2); len(got) != 2 {
		t.Fatalf("an explicit list is sent as given: %v", got)
	}

	// A CSV import of the same devices keeps the marks; the JSON upsert
	// (the app registering again) and the operator clear them.
	if _, err := s.ImportCSV(ctx, acct.ID, strings.NewReader("cid,tags\nb,t\nc,t\n"), ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountInvalidDevices(ctx, acct.ID); n != 2 {
		t.Fatalf("after import: %d marked, want 2", n)
	}
	if _, err := s.UpsertDevices(ctx, acct.ID, []DeviceInput{{CID: "b"}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.DeviceByCID(ctx, acct.ID, "c")
	if err != nil {
		t.Fatal(err)
	}
	if d, err = s.ClearDeviceInvalid(ctx, d.ID); err != nil || d.InvalidAt != nil || d.InvalidReason != "" {
		t.Fatalf("clear: %+v %v", d, err)
	}
	if n, _ := s.CountInvalidDevices(ctx, acct.ID); n != 0 {
		t.Fatalf("after upsert and clear: %d marked", n)
	}
}
