package models

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// listOf returns n distinct values in descending order (the opposite of
// key order), with every tenth one repeated.
func listOf(n int) []string {
	var out []string
	for i := n - 1; i >= 0; i-- {
		out = append(out, fmt.Sprintf("v%05d", i))
		if i%10 == 0 {
			out = append(out, fmt.Sprintf("v%05d", i))
		}
	}
	return out
}

// TestLongListStaysStored: a list longer than InlineValues is kept sorted
// and de-duplicated, loaded as a count only, paged in key order, copied by
// a duplicate inside the database, and kept by an update that does not
// replace it.
func TestLongListStaysStored(t *testing.T) {
	ctx := context.Background()
	s := mustOpenStore(t)
	a := mustCreateAccount(t, s)
	const n = InlineValues + 500
	c := mustCreateCampaign(t, s, a, Audience{Kind: "cid", Values: listOf(n)})
	if c.Audience.Count != n || c.Audience.Values != nil || c.Audience.Stored == nil || c.Audience.Stored.Campaign != c.ID {
		t.Fatalf("created audience %+v, want a stored list of %d", c.Audience, n)
	}
	got, err := s.CampaignByID(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Audience.Count != n || len(got.Audience.Values) != 0 {
		t.Fatalf("loaded audience: count %d, %d values inline", got.Audience.Count, len(got.Audience.Values))
	}
	var all []string
	err = s.StreamCampaignValues(ctx, c.ID, "", 300, func(page []string) error {
		all = append(all, page...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(slices.Values(slices.Compact(slices.Sorted(slices.Values(listOf(n))))))
	if !slices.Equal(all, want) {
		t.Fatalf("streamed %d values, want %d in key order", len(all), len(want))
	}
	if reach, err := s.CountAudience(ctx, a.ID, got.Audience); err != nil || reach != n {
		t.Errorf("the stored list reaches %d (%v), want %d", reach, err, n)
	}
	page, err := s.CampaignValues(ctx, c.ID, want[99], 5)
	if err != nil || !slices.Equal(page, want[100:105]) {
		t.Fatalf("page after %s: %v %v", want[99], page, err)
	}

	dup := mustCreateCampaign(t, s, a, got.Audience)
	if dup.Audience.Count != n {
		t.Fatalf("duplicate lists %d values, want %d", dup.Audience.Count, n)
	}
	name := "renamed"
	upd, err := s.UpdateDraft(ctx, dup.ID, CampaignUpdate{Name: &name, Audience: &dup.Audience})
	if err != nil || upd.Audience.Count != n {
		t.Fatalf("update keeping the list: %+v %v", upd.Audience, err)
	}
	alias := Audience{Kind: "alias", Count: n, Stored: &StoredValues{Campaign: dup.ID}}
	upd, err = s.UpdateDraft(ctx, dup.ID, CampaignUpdate{Audience: &alias})
	if err != nil || upd.Audience.Count != n || upd.Audience.Kind != "alias" {
		t.Fatalf("update changing the kind only: %+v %v", upd.Audience, err)
	}
	short := Audience{Kind: "cid", Values: []string{"b", "a"}}
	upd, err = s.UpdateDraft(ctx, dup.ID, CampaignUpdate{Audience: &short})
	if err != nil || !slices.Equal(upd.Audience.Values, []string{"a", "b"}) || upd.Audience.Count != 2 || upd.Audience.Stored != nil {
		t.Fatalf("update replacing the list: %+v %v", upd.Audience, err)
	}
	if got, _ := s.CampaignByID(ctx, c.ID); got.Audience.Count != n {
		t.Errorf("the original lists %d values after its copy changed, want %d", got.Audience.Count, n)
	}
}

// TestUploadBecomesTheList: values spooled in arrival order with repeats
// become the campaign's sorted, distinct list, and the upload is gone.
func TestUploadBecomesTheList(t *testing.T) {
	ctx := context.Background()
	s := mustOpenStore(t)
	a := mustCreateAccount(t, s)
	up, err := s.NewAudienceUpload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vals := listOf(3000)
	for part := range slices.Chunk(vals, 700) {
		if err := up.Add(ctx, part); err != nil {
			t.Fatal(err)
		}
	}
	if up.Count() != int64(len(vals)) {
		t.Fatalf("upload counted %d, want %d", up.Count(), len(vals))
	}
	c := mustCreateCampaign(t, s, a, Audience{Kind: "alias", Stored: &StoredValues{Upload: up.ID}})
	if c.Audience.Count != 3000 {
		t.Fatalf("campaign lists %d values, want 3000 distinct", c.Audience.Count)
	}
	var left int64
	if err := s.DB().Raw(`SELECT (SELECT COUNT(*) FROM audience_upload_chunks) + (SELECT COUNT(*) FROM audience_uploads)`).Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d upload rows left after the campaign took it", left)
	}
	if err := up.Discard(ctx); err != nil {
		t.Errorf("discarding a taken upload: %v", err)
	}

	// An upload nobody took is pruned once old.
	stale, err := s.NewAudienceUpload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stale.Add(ctx, []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneUploads(ctx, s.Now().Add(-1<<40)); err != nil || n != 0 {
		t.Fatalf("pruned %d fresh uploads (%v)", n, err)
	}
	if n, err := s.PruneUploads(ctx, s.Now().Add(1<<40)); err != nil || n != 1 {
		t.Fatalf("pruned %d stale uploads (%v), want 1", n, err)
	}
}
