package handlers

import (
	"encoding/json"
	"fmt"

	"github.com/pushdeck/pushdeck/providers"
	"github.com/pushdeck/pushdeck/providers/sandbox"
)

// zetaKind is a provider registered only in tests: the console must render
// and check what it declares (a key file, a choice, one message option of
// each type) without knowing its name. It delivers like the sandbox.
const zetaKind providers.Kind = "zeta"

type zetaClient struct{ providers.Provider }

func (zetaClient) Kind() providers.Kind                 { return zetaKind }
func (zetaClient) Capabilities() providers.Capabilities { return zetaCaps() }

func zetaCaps() providers.Capabilities {
	caps := sandbox.Capabilities()
	caps.Simulated, caps.Name = false, "Zeta"
	caps.Options = []providers.OptionField{
		{Name: "loud", Type: providers.OptionBool, Label: "zeta.opt_loud", Help: "zeta.opt_loud_help"},
		{Name: "repeat", Type: providers.OptionInt, Label: "zeta.opt_repeat", Min: 1, Max: 5},
		{Name: "note", Type: providers.OptionString, Label: "zeta.opt_note", Max: 20},
		{Name: "tone", Type: providers.OptionChoice, Label: "zeta.opt_tone", Choices: []string{"low", "high"}},
	}
	return caps
}

// zetaSpec declares a secret key read from a .pem file and a mode chosen
// from two; its factory wants both.
func zetaSpec() providers.Spec {
	return providers.Spec{Kind: zetaKind, Capabilities: zetaCaps(),
		Fields: []providers.CredentialField{
			{Name: "key", Secret: true, Required: true, Multiline: true, Accept: []string{".pem"}},
			{Name: "mode", Choices: []string{"fast", "slow"}},
		},
		New: func(cfg providers.Config) (providers.Provider, error) {
			var c struct{ Key, Mode string }
			if err := json.Unmarshal(cfg.Credentials, &c); err != nil {
				return nil, fmt.Errorf("zeta: %w", err)
			}
			if c.Key == "" {
				return nil, providers.NewConfigError("credentials.key", "err.required", nil)
			}
			p, err := sandbox.New(providers.Config{})
			return zetaClient{p}, err
		},
	}
}

// zetaRegistry is the test registry plus zeta.
func zetaRegistry() providers.Registry {
	reg := testRegistry()
	reg[zetaKind] = zetaSpec()
	return reg
}
