package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// Devices a provider answered invalid are marked when the batch's outcome
// is recorded (writeSettlement) and left out of the audiences the registry
// resolves. The mark goes when the device shows it is alive again: the
// app's back end registers it through the JSON upsert (which an app does
// when it starts and gets a token), or an operator clears it. A CSV import
// does not: a file is a list kept somewhere else, possibly older than the
// provider's answer.

// clearInvalid removes the invalid mark of the account's devices with
// these cids.
func (s *Store) clearInvalid(ctx context.Context, providerID int64, cids []string) error {
	if len(cids) == 0 {
		return nil
	}
	list, err := json.Marshal(cids)
	if err != nil {
		return fmt.Errorf("models: encode cids: %w", err)
	}
	_, err = s.rawExec(ctx, `UPDATE devices SET invalid_at = NULL, invalid_reason = ''
		WHERE provider_id = ? AND invalid_at IS NOT NULL AND cid IN (SELECT j.value FROM `+s.dialect.eachText("?", "j")+`)`, providerID, string(list))
	if err != nil {
		return fmt.Errorf("models: clear invalid marks of account %d: %w", providerID, err)
	}
	return nil
}

// ClearDeviceInvalid removes one device's invalid mark (an operator who
// knows the token works again) and returns the device as it is now.
func (s *Store) ClearDeviceInvalid(ctx context.Context, id int64) (Device, error) {
	_, err := s.rawExec(ctx, `UPDATE devices SET invalid_at = NULL, invalid_reason = '' WHERE id = ?`, id)
	if err != nil {
		return Device{}, fmt.Errorf("models: clear invalid mark of device %d: %w", id, err)
	}
	return s.DeviceByID(ctx, id)
}

// CountInvalidDevices is how many of the account's devices carry the mark.
func (s *Store) CountInvalidDevices(ctx context.Context, providerID int64) (int64, error) {
	var n int64
	err := s.read(ctx).Raw(`SELECT COUNT(*) FROM devices`+s.dialect.indexedBy("devices_invalid")+` WHERE provider_id = ? AND invalid_at IS NOT NULL`, providerID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("models: count invalid devices of account %d: %w", providerID, err)
	}
	return n, nil
}
