package providers

// FleetDevice is one device of a simulated provider's fleet.
type FleetDevice struct {
	CID      string
	Platform string
	Region   string
	Tags     []string
}

// FleetProvider is implemented by a provider that delivers to a simulated
// fleet of its own (Capabilities.Simulated): the console seeds the device
// registry from it, so a fresh install has an audience to target.
type FleetProvider interface {
	// Fleet lists the simulated devices.
	Fleet() []FleetDevice
}
