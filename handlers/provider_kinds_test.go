package handlers

import (
	"slices"
	"testing"

	"github.com/pushdeck/pushdeck/providers"
)

// TestProviderKindsSimulatedLast: the kind list asks each kind's
// capabilities, so a simulated kind goes last whatever its name, and a
// real kind the console has never heard of goes with the real ones.
func TestProviderKindsSimulatedLast(t *testing.T) {
	reg := testRegistry()
	sim := reg[providers.KindSandbox]
	sim.Kind = "alpha-sim"
	reg["alpha-sim"] = sim
	other := reg[providers.KindGeTui]
	other.Kind = "zeta"
	reg["zeta"] = other
	s := &Server{reg: reg}
	want := []string{"getui", "mxpush", "wecom", "zeta", "alpha-sim", "sandbox"}
	if got := s.providerKinds(); !slices.Equal(got, want) {
		t.Fatalf("kinds %v, want %v", got, want)
	}
}
