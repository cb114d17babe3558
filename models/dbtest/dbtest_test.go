package dbtest_test

import (
	"testing"

	"github.com/pushdeck/pushdeck/models/dbtest"
)

// TestNewIsMigratedAndSeparate: each New is a migrated database of its
// own, on whichever store the suite runs on.
func TestNewIsMigratedAndSeparate(t *testing.T) {
	a, b := dbtest.New(t), dbtest.New(t)
	if a.DSN == b.DSN {
		t.Fatalf("both tests got %s", a.DSN)
	}
	if err := a.Write.Exec(`INSERT INTO audit_log (created_at, actor, action) VALUES (?, 'test', 'x')`, a.Write.NowFunc()).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		db   dbtest.DB
		want int64
	}{{"written", a, 1}, {"other", b, 0}} {
		var n int64
		if err := c.db.Read.Raw(`SELECT count(*) FROM audit_log`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n != c.want {
			t.Errorf("%s: %d audit rows, want %d", c.name, n, c.want)
		}
	}
}
