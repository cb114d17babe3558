package draft

import (
	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/getui"
	"github.com/pushdeck/pushdeck/providers/mxpush"
	"github.com/pushdeck/pushdeck/providers/sandbox"
	"github.com/pushdeck/pushdeck/providers/wecom"
)

// testRegistry is the providers drafts are checked against: the real
// kinds' declared capabilities.
func testRegistry() providers.Registry {
	return providers.Registry{
		providers.KindSandbox: sandbox.Spec(),
		providers.KindGeTui:   getui.Spec(),
		providers.KindMXPush:  mxpush.Spec(),
		providers.KindWeCom:   wecom.Spec(),
	}
}
