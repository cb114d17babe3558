package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// ErrNotSimulated is SeedSimulated's answer for an account whose provider
// delivers to real devices: it has no fleet of its own to seed.
var ErrNotSimulated = errors.New("dispatch: the account's provider simulates no devices")

// VerifyAccount proves an account's credentials with a real call (the
// client's Verify) and records the outcome as the account's health, even
// when ctx ends right after the answer. The error is the provider's
// (*providers.Error), the account's settings (*providers.ConfigError,
// models.ErrUnreadableSecret) or ctx's; FailureOf says what to show of it.
func (e *Engine) VerifyAccount(ctx context.Context, acct models.ProviderAccount) error {
	p, err := e.clients.get(ctx, acct)
	if err == nil {
		err = p.Verify(ctx)
	}
	if err != nil && FailureOf(err).Internal {
		e.log.Error("provider test", slog.Int64("account", acct.ID), slog.String("provider", acct.Kind), slog.Any("error", err))
	}
	if herr := e.store.RecordProviderHealth(context.WithoutCancel(ctx), acct.ID, healthText(err)); herr != nil {
		e.log.Warn("record provider health", slog.Int64("account", acct.ID), slog.Any("error", herr))
	}
	return err
}

// SendsNatively reports whether the engine hands the audience to the
// account's provider as one broadcast the provider resolves itself
// (NativeAudience): such a send reaches every device the provider knows,
// not only those registered here. The error is the account's client
// failing to build (credentials that no longer open, unusable settings).
func (e *Engine) SendsNatively(ctx context.Context, acct models.ProviderAccount, a models.Audience) (bool, error) {
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return false, fmt.Errorf("dispatch: client of account %d: %w", acct.ID, err)
	}
	return NativeAudience(a, p.Capabilities()), nil
}

// SeedSimulated imports the simulated fleet of an account whose provider
// has one (Capabilities.Simulated, providers.FleetProvider) into the device
// registry, in batches the registry accepts, and returns what changed. It
// returns ErrNotSimulated for any other account.
func (e *Engine) SeedSimulated(ctx context.Context, acct models.ProviderAccount) (models.UpsertResult, error) {
	var total models.UpsertResult
	p, err := e.clients.get(ctx, acct)
	if err != nil {
		return total, fmt.Errorf("dispatch: client of account %d: %w", acct.ID, err)
	}
	src, ok := p.(providers.FleetProvider)
	if !ok || !p.Capabilities().Simulated {
		return total, ErrNotSimulated
	}
	fleet := src.Fleet()
	for start := 0; start < len(fleet); start += models.MaxDeviceBatch {
		part := fleet[start:min(start+models.MaxDeviceBatch, len(fleet))]
		in := make([]models.DeviceInput, len(part))
		for i, d := range part {
			platform, region, tags := d.Platform, d.Region, append([]string{}, d.Tags...)
			in[i] = models.DeviceInput{CID: d.CID, Platform: &platform, Region: &region, Tags: &tags}
			if d.Platform == "ios" {
				apple := "apple"
				in[i].Vendor = &apple
			}
		}
		res, err := e.store.UpsertDevices(ctx, acct.ID, in)
		if err != nil {
			return total, err
		}
		total.Imported += res.Imported
		total.Updated += res.Updated
		total.Unchanged += res.Unchanged
	}
	return total, nil
}
