package providers

// SimulatedDevice is one device of a simulated provider's own fleet.
type SimulatedDevice struct {
	CID      string
	Platform string
	Region   string
	Tags     []string
}

// Simulator is implemented by a provider that delivers to a simulated fleet
// of its own (Capabilities.Simulated): the console seeds the device registry
// from Fleet, so a fresh install has an audience to look at and target.
type Simulator interface {
	Fleet() []SimulatedDevice
}
