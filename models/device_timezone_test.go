package models

import (
	"strings"
	"testing"
)

// TestDeviceTimezone: the zone travels through the JSON upsert and the CSV
// import, a repeat is unchanged, an absent zone keeps the stored one, and
// a bad one is refused by field.
func TestDeviceTimezone(t *testing.T) {
	s := mustOpenStore(t)
	a := mustCreateAccount(t, s)
	ctx := t.Context()
	zone := func(z string) *string { return &z }
	res, err := s.UpsertDevices(ctx, a.ID, []DeviceInput{{CID: "a", Timezone: zone("Asia/Tokyo")}, {CID: "b"}})
	if err != nil || res.Imported != 2 {
		t.Fatalf("upsert %+v %v", res, err)
	}
	if res, err = s.UpsertDevices(ctx, a.ID, []DeviceInput{{CID: "a", Timezone: zone("Asia/Tokyo")}, {CID: "b", Timezone: zone("Europe/Berlin")}}); err != nil || res.Unchanged != 1 || res.Updated != 1 {
		t.Fatalf("second upsert %+v %v", res, err)
	}
	if _, err = s.UpsertDevices(ctx, a.ID, []DeviceInput{{CID: "b", Region: zone("eu")}}); err != nil {
		t.Fatal(err)
	}
	imp, err := s.ImportCSV(ctx, a.ID, strings.NewReader("cid,timezone\nc,America/New_York\nd,Mars/Olympus\ne,"+strings.Repeat("x", 65)+"\n"), ImportOptions{})
	if err != nil || imp.Imported != 1 || len(imp.Rejected) != 2 {
		t.Fatalf("import %+v %v", imp, err)
	}
	for i, want := range []string{"err.device_timezone", "err.too_long_bytes"} {
		if r := imp.Rejected[i]; r.Field != "timezone" || r.ID != want {
			t.Errorf("rejection %d: %+v, want %s on timezone", i, r, want)
		}
	}
	for cid, want := range map[string]string{"a": "Asia/Tokyo", "b": "Europe/Berlin", "c": "America/New_York"} {
		d, err := s.DeviceByCID(ctx, a.ID, cid)
		if err != nil || d.Timezone != want {
			t.Errorf("%s: zone %q (%v), want %q", cid, d.Timezone, err, want)
		}
	}
	v := &ValidationError{}
	in := DeviceInput{CID: "x", Timezone: zone("Local")}
	in.Validate(v, "[0].")
	if _, ok := v.Fields["[0].timezone"]; !ok {
		t.Errorf("Local accepted as a device zone: %v", v.Fields)
	}
}
