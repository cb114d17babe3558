package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// CreateDevice registers one new device. A cid the account already has is
// a field error on "cid" (err.cid_taken), so the add form never silently
// overwrites a device.
func (s *Store) CreateDevice(ctx context.Context, providerID int64, in DeviceInput) (Device, error) {
	in.Normalize()
	v := &ValidationError{}
	in.Validate(v, "")
	if err := v.Err(); err != nil {
		return Device{}, err
	}
	var out Device
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.requireAccount(ctx, providerID); err != nil {
			return err
		}
		_, err := tx.DeviceByCID(ctx, providerID, in.CID)
		switch {
		case err == nil:
			v.Add("cid", "err.cid_taken", nil)
			return v
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if err := tx.writeDevices(ctx, providerID, []DeviceInput{in}); err != nil {
			return err
		}
		out, err = tx.DeviceByCID(ctx, providerID, in.CID)
		return err
	})
	return out, unwrapValidation(err)
}

// UpdateDevice changes one device (its cid stays). Nil input fields keep
// their values; Tags, when set, replace the tag set.
func (s *Store) UpdateDevice(ctx context.Context, id int64, in DeviceInput) (Device, error) {
	var out Device
	err := s.WithTx(ctx, func(tx *Store) error {
		d, err := tx.DeviceByID(ctx, id)
		if err != nil {
			return err
		}
		in.CID = d.CID
		in.Normalize()
		v := &ValidationError{}
		in.Validate(v, "")
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.writeDevices(ctx, d.ProviderID, []DeviceInput{in}); err != nil {
			return err
		}
		out, err = tx.DeviceByID(ctx, id)
		return err
	})
	return out, unwrapValidation(err)
}

// unwrapValidation returns a *ValidationError inside err as itself, so
// callers that compare types (not errors.As) see it plainly.
func unwrapValidation(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	return err
}

// writeDevices runs the writer over validated inputs inside a transaction.
func (s *Store) writeDevices(ctx context.Context, providerID int64, in []DeviceInput) error {
	w := newDeviceWriter(s, providerID)
	if _, err := w.write(ctx, in); err != nil {
		return err
	}
	return w.finish(ctx)
}

func (s *Store) requireAccount(ctx context.Context, providerID int64) error {
	if _, err := s.ProviderAccountByID(ctx, providerID); err != nil {
		if errors.Is(err, ErrNotFound) {
			v := &ValidationError{}
			v.Add("provider_id", "err.provider_unknown", nil)
			return v
		}
		return err
	}
	return nil
}

// ListChange is the outcome of a change applied to a list of cids.
type ListChange struct {
	// Matched is how many of the cids are registered devices.
	Matched int64 `json:"matched"`
	// Missing are (up to 100 of) the cids that are not.
	Missing []string `json:"missing"`
}

// MaxListChange bounds the cids of one tag or alias change.
const MaxListChange = 10000

// TagDevices adds and removes tags on an account's devices. Tags present
// in both lists are an error; unknown cids are reported, not created.
func (s *Store) TagDevices(ctx context.Context, providerID int64, cids, add, remove []string) (ListChange, error) {
	add, remove = normalizeTags(add), normalizeTags(remove)
	v := &ValidationError{}
	cids = checkCIDList(v, cids)
	if len(add)+len(remove) == 0 {
		v.Add("add", "err.required", nil)
	}
	for field, tags := range map[string][]string{"add": add, "remove": remove} {
		in := DeviceInput{CID: "x", Tags: &tags}
		in.Validate(v, "")
		if fe, ok := v.Fields["tags"]; ok {
			delete(v.Fields, "tags")
			v.Add(field, fe.ID, fe.Data)
		}
	}
	for _, t := range add {
		if slices.Contains(remove, t) {
			v.Add("remove", "err.tag_both", nil)
			break
		}
	}
	if err := v.Err(); err != nil {
		return ListChange{}, err
	}
	out := ListChange{Missing: []string{}}
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.requireAccount(ctx, providerID); err != nil {
			return err
		}
		w := newDeviceWriter(tx, providerID)
		addIDs, err := w.resolveTags(ctx, add)
		if err != nil {
			return err
		}
		var removeIDs []int64
		for _, name := range remove {
			id, _, err := tx.tagID(ctx, providerID, name)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			removeIDs = append(removeIDs, id)
		}
		for part := range slices.Chunk(cids, 500) {
			if err := w.retag(ctx, part, addIDs, removeIDs, &out); err != nil {
				return err
			}
		}
		return w.finish(ctx)
	})
	return out, unwrapValidation(err)
}

// retag applies tag additions and removals to the registered devices among
// cids, keeping tag_ids, the tag blocks and the counts in step.
func (w *deviceWriter) retag(ctx context.Context, cids []string, addIDs, removeIDs []int64, out *ListChange) error {
	ctx = rowContext(ctx)
	var rows []struct {
		ID     int64
		CID    string `gorm:"column:cid"`
		TagIDs string
	}
	err := w.s.conn(ctx).Raw(`SELECT id, cid, tag_ids FROM devices WHERE provider_id = ? AND cid IN ?`, w.providerID, cids).Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("models: match cids: %w", err)
	}
	found := make(map[string]bool, len(rows))
	var add, del [][2]int64
	for _, r := range rows {
		found[r.CID] = true
		before := decodeTagIDs(r.TagIDs)
		after := slices.DeleteFunc(slices.Clone(before), func(t int64) bool { return slices.Contains(removeIDs, t) })
		for _, t := range addIDs {
			if !slices.Contains(after, t) {
				after = append(after, t)
			}
		}
		slices.Sort(after)
		if slices.Equal(before, after) {
			continue
		}
		a, d := w.diffPairs(r.ID, before, after)
		add, del = append(add, a...), append(del, d...)
		err := w.s.conn(ctx).Exec(`UPDATE devices SET tag_ids = ?, updated_at = ? WHERE id = ?`, encodeTagIDs(after), w.nowDevice, r.ID).Error
		if err != nil {
			return fmt.Errorf("models: retag device %d: %w", r.ID, err)
		}
	}
	recordMatches(out, cids, found)
	return w.applyTagPairs(ctx, add, del)
}

func recordMatches(out *ListChange, cids []string, found map[string]bool) {
	out.Matched += int64(len(found))
	for _, c := range cids {
		if !found[c] && len(out.Missing) < 100 {
			out.Missing = append(out.Missing, c)
		}
	}
}

// SetAlias gives every listed device of the account the alias ("" clears
// it).
func (s *Store) SetAlias(ctx context.Context, providerID int64, cids []string, alias string) (ListChange, error) {
	in := DeviceInput{CID: "x", Alias: &alias}
	in.Normalize()
	v := &ValidationError{}
	in.Validate(v, "")
	cids = checkCIDList(v, cids)
	if err := v.Err(); err != nil {
		return ListChange{}, err
	}
	out := ListChange{Missing: []string{}}
	err := s.WithTx(ctx, func(tx *Store) error {
		if err := tx.requireAccount(ctx, providerID); err != nil {
			return err
		}
		for part := range slices.Chunk(cids, 500) {
			ids, err := tx.matchCIDs(ctx, providerID, part, &out)
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				continue
			}
			err = tx.conn(ctx).Exec(`UPDATE devices SET alias = ?, updated_at = ? WHERE id IN ? AND alias <> ?`, *in.Alias, tx.dialect.deviceTime(tx.now().Unix()), ids, *in.Alias).Error
			if err != nil {
				return fmt.Errorf("models: set alias: %w", err)
			}
		}
		return nil
	})
	return out, unwrapValidation(err)
}

// checkCIDList validates and de-duplicates a cid list of a list change.
func checkCIDList(v *ValidationError, cids []string) []string {
	cids = dedupeStrings(cids)
	switch {
	case len(cids) == 0:
		v.Add("cids", "err.required", nil)
	case len(cids) > MaxListChange:
		v.Add("cids", "err.too_many", map[string]any{"Max": MaxListChange})
	}
	for _, c := range cids {
		if c == "" || len(c) > MaxCIDLen {
			v.Add("cids", "err.value_too_long", map[string]any{"Max": MaxCIDLen})
			break
		}
	}
	return cids
}

// matchCIDs returns the ids of the registered cids among part and records
// the matched count and missing cids.
func (s *Store) matchCIDs(ctx context.Context, providerID int64, part []string, out *ListChange) ([]int64, error) {
	var rows []struct {
		ID  int64
		CID string `gorm:"column:cid"`
	}
	if err := s.conn(ctx).Raw(`SELECT id, cid FROM devices WHERE provider_id = ? AND cid IN ?`, providerID, part).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: match cids: %w", err)
	}
	found := make(map[string]bool, len(rows))
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		found[r.CID] = true
		ids = append(ids, r.ID)
	}
	recordMatches(out, part, found)
	return ids, nil
}

// DeleteDevice removes one device by id.
func (s *Store) DeleteDevice(ctx context.Context, id int64) (Device, error) {
	d, err := s.DeviceByID(ctx, id)
	if err != nil {
		return Device{}, err
	}
	if _, err := s.DeleteDevices(ctx, d.ProviderID, []string{d.CID}); err != nil {
		return Device{}, err
	}
	return d, nil
}
