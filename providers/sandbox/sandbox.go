package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// DefaultDevices is the size of the simulated fleet.
const DefaultDevices = 10000

// Rates of the simulated fleet, in per-mille.
const (
	onlinePermille    = 700 // delivered at once
	deliveredPermille = 920 // delivered eventually (online + offline that come back)
	displayedPermille = 810 // of delivered
	clickedPermille   = 120 // of displayed
)

// rampUp is how long a task's report takes to fill in.
const rampUp = 60 * time.Second

// Regions and tags of the simulated fleet.
var (
	regions = [...]string{"Zhejiang", "Shanghai", "Beijing", "Guangdong", "Sichuan", "Jiangsu"}
	tagSet  = [...]string{"vip", "beta", "news", "sports", "test"}
)

type credentials struct {
	Devices *int `json:"devices,omitempty"`
}

// Client is one sandbox account.
type Client struct {
	devices int
	now     func() time.Time
}

// maxDevices bounds a simulated fleet.
const maxDevices = 10_000_000

// New builds a sandbox client. Credentials may be {} or {"devices": N}.
func New(cfg providers.Config) (providers.Provider, error) {
	var cr credentials
	if len(cfg.Credentials) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(cfg.Credentials)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cr); err != nil {
			return nil, providers.NewConfigError("credentials", "providers.err_sandbox_credentials", nil)
		}
	}
	n := DefaultDevices
	if cr.Devices != nil {
		if *cr.Devices < 1 || *cr.Devices > maxDevices {
			return nil, providers.NewConfigError("credentials.devices", "err.range", map[string]any{"Min": 1, "Max": maxDevices})
		}
		n = *cr.Devices
	}
	return &Client{devices: n, now: time.Now}, nil
}

// Spec describes the sandbox kind for the registry.
func Spec() providers.Spec {
	return providers.Spec{Kind: providers.KindSandbox, New: New, Capabilities: Capabilities()}
}

// Kind implements providers.Provider.
func (c *Client) Kind() providers.Kind { return providers.KindSandbox }

// Capabilities implements providers.Provider with the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities() }

// Verify implements providers.Provider; the sandbox always accepts.
func (c *Client) Verify(context.Context) error { return nil }

// CID returns the client id of device i of the fleet.
func CID(i int) string { return fmt.Sprintf("sandbox-%07d", i) }

// Device describes a simulated device, for seeding an audience.
type Device = providers.FleetDevice

// Fleet returns the simulated devices.
func (c *Client) Fleet() []Device {
	out := make([]Device, c.devices)
	for i := range out {
		out[i] = deviceOf(CID(i))
	}
	return out
}

func hash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s)) // hash.Hash never returns an error
	return h.Sum32()
}

func permille(cid, salt string) uint32 { return hash(salt+cid) % 1000 }

func deviceOf(cid string) Device {
	h := hash(cid)
	d := Device{CID: cid, Platform: "android", Region: regions[h%uint32(len(regions))]}
	if permille(cid, "ios") < 300 {
		d.Platform = "ios"
	}
	for _, t := range tagSet {
		if permille(cid, "tag:"+t) < 200 {
			d.Tags = append(d.Tags, t)
		}
	}
	return d
}

// Capabilities are what every sandbox client declares, known without
// credentials.
func Capabilities() providers.Capabilities {
	return providers.Capabilities{
		Name: "Sandbox",
		// A simulated mobile provider takes every mobile field.
		Fields:     append(providers.MobileFields(), providers.FieldWifiOnly, providers.FieldSpeedHint, providers.FieldTTL, providers.FieldMutableContent),
		VendorKeys: []string{"huawei", "xiaomi", "oppo", "vivo", "flyme", "fcm", "honor"},
		TextLimits: textLimits(),
		Audiences: map[providers.AudienceKind]int{
			providers.AudienceAll: 0, providers.AudienceTag: 100, providers.AudienceConditions: 0,
			providers.AudienceCID: 1000, providers.AudienceAlias: 1000,
		},
		MessageTypes:      []providers.MessageType{providers.TypeNotification, providers.TypeTransmission, providers.TypeLink, providers.TypeImage},
		RequestsPerSecond: 500,
		Simulated:         true,
		ReportsClicks:     true,
		// In-process: an answer is never lost, and request ids are checked.
		Idempotency: providers.IdempotencyRequestID,
	}
}

// textLimits mirror GeTui's, so a draft tried on the sandbox fits GeTui:
// notification title ≤ 50, body ≤ 256, big text ≤ 512, transmission
// ≤ 3072, click intent ≤ 4096 and payload ≤ 3072 characters.
func textLimits() map[providers.MessageType]providers.TextLimits {
	return providers.MobileTextLimits(providers.TextLimits{Title: 50, Body: 256, BigText: 512, Intent: 4096, Payload: 3072}, 3072)
}
