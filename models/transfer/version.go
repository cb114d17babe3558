package transfer

import (
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// LatestVersion is the highest goose version among the *.sql migrations
// at the root of fsys: the schema version a binary embedding them reaches.
func LatestVersion(fsys fs.FS) (int64, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return 0, fmt.Errorf("transfer: list migrations: %w", err)
	}
	var latest int64
	for _, n := range names {
		v, err := goose.NumericComponent(n)
		if err != nil {
			return 0, fmt.Errorf("transfer: migration %s: %w", n, err)
		}
		latest = max(latest, v)
	}
	if latest == 0 {
		return 0, fmt.Errorf("transfer: no migrations found")
	}
	return latest, nil
}
