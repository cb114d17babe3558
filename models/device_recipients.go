package models

import (
	"context"
	"encoding/json"
	"fmt"
)

// RecipientDevice is what a personalized message may read of one device:
// its fixed fields and its own attributes. Key is the recipient value the
// device was looked up by (its cid, or its alias).
type RecipientDevice struct {
	Key        string
	CID        string
	Alias      string
	UserID     string
	Platform   string
	Region     string
	Attributes Attributes
}

// RecipientDevices loads the devices of an account that a batch's
// recipients name, by cid or by alias, in one query (a batch is at most a
// provider's list limit, well under SQLite's bound on parameters). A
// recipient with no device is absent from the answer; an alias several
// devices share answers with the oldest of them.
func (s *Store) RecipientDevices(ctx context.Context, providerID int64, byAlias bool, keys []string) ([]RecipientDevice, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	col := "cid"
	if byAlias {
		col = "alias"
	}
	// col is one of two constants, never input.
	q := `SELECT cid, alias, user_id, platform, region, attributes FROM devices WHERE provider_id = ? AND ` + col + ` IN ? ORDER BY id`
	rows, err := s.read(ctx).Raw(q, providerID, keys).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: devices of %d recipients: %w", len(keys), err)
	}
	defer func() { _ = rows.Close() }() // read-only: a close error loses nothing
	out := make([]RecipientDevice, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	var attrs []byte
	for rows.Next() {
		var d RecipientDevice
		if err := rows.Scan(&d.CID, &d.Alias, &d.UserID, &d.Platform, &d.Region, &attrs); err != nil {
			return nil, fmt.Errorf("models: scan recipient device: %w", err)
		}
		d.Key = d.CID
		if byAlias {
			d.Key = d.Alias
		}
		if seen[d.Key] {
			continue
		}
		seen[d.Key] = true
		if len(attrs) > 2 { // "{}" is the stored form of none
			if err := json.Unmarshal(attrs, &d.Attributes); err != nil {
				return nil, fmt.Errorf("models: attributes of device %q: %w", d.CID, err)
			}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: devices of %d recipients: %w", len(keys), err)
	}
	return out, nil
}

// AttributeNames lists the distinct attribute names the devices of an
// account carry, in name order, reading at most scan devices (the newest)
// so the composer's list costs a bounded query on a large registry. The
// devices without attributes count towards scan: filtering them inside the
// LIMIT walked the whole account when few devices carry any (49 ms over
// 200,000 devices without attributes, against 1.2 ms).
func (s *Store) AttributeNames(ctx context.Context, providerID int64, scan int) ([]string, error) {
	var names []string
	err := s.read(ctx).Raw(`SELECT DISTINCT j.key FROM (SELECT attributes FROM devices WHERE provider_id = ? ORDER BY id DESC LIMIT ?) d, `+s.dialect.objectKeys("d.attributes", "j")+` ORDER BY j.key`,
		providerID, scan).Scan(&names).Error
	if err != nil {
		return nil, fmt.Errorf("models: attribute names of account %d: %w", providerID, err)
	}
	return names, nil
}
