package dispatch

import (
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// NativeAudience reports whether the engine hands the audience to a
// provider with these capabilities as one broadcast the provider resolves
// itself (all, and tag where the provider has native tags). Such a send
// reaches every device the provider knows (with the tags), not only the
// devices registered in pushdeck, and records the provider's task rather
// than one delivery row per recipient. It asks planMode, the rule the
// planner itself follows, so the console cannot describe an audience
// differently from how it is sent. An audience the provider cannot take at
// all is not native.
func NativeAudience(a models.Audience, caps providers.Capabilities) bool {
	m, err := planMode(a, caps)
	return err == nil && m == broadcast
}
