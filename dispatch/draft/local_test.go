package draft

import (
	"testing"

	"github.com/pushdeck/pushdeck/models"
)

// TestLocalTimeValidation: options.local_time is a 24-hour HH:MM.
func TestLocalTimeValidation(t *testing.T) {
	for _, tc := range []struct {
		at string
		ok bool
	}{{"09:00", true}, {"23:59", true}, {"24:00", false}, {"9am", false}} {
		v := &models.ValidationError{}
		d := Draft{Options: Options{LocalTime: tc.at}}
		d.validateLocal(v)
		if _, bad := v.Fields["options.local_time"]; bad == tc.ok {
			t.Errorf("%q: problems %v", tc.at, v.Fields)
		}
	}
}
