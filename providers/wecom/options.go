package wecom

import (
	"fmt"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/providers"
)

// options fills safe, enable_id_trans and the duplicate check. An option the
// msgtype does not take is refused, not dropped: a "confidential" message
// sent without its watermark is worse than one not sent.
func options(o providers.WeComOptions, t providers.MessageType, window time.Duration, b *sendRequest) error {
	switch t {
	case providers.TypeText:
		b.Safe = flag(o.Safe)
		b.IDTrans = flag(o.EnableIDTrans)
	case providers.TypeTextCard, providers.TypeNews:
		if o.Safe {
			code := "40058"
			if t == providers.TypeNews {
				code = "40074" // news消息不支持保密消息类型
			}
			return refuse(code, fmt.Sprintf("safe (confidential) is not supported for %s messages", t))
		}
		b.IDTrans = flag(o.EnableIDTrans)
	case providers.TypeMarkdown:
		if o.Safe || o.EnableIDTrans {
			return refuse("40058", "markdown messages take neither safe nor enable_id_trans")
		}
	}
	return duplicateCheck(o, window, b)
}

// duplicateCheck fills enable_duplicate_check and its interval. The
// engine's window (SendRequest.DedupeWindow) turns the check on for as
// long as its retries may last; the message's own option turns it on too,
// and its explicit interval wins when longer. The interval is always sent,
// so the same inputs make the same bytes on every retry.
func duplicateCheck(o providers.WeComOptions, window time.Duration, b *sendRequest) error {
	secs, err := duplicateInterval(o.DuplicateCheckInterval)
	if err != nil {
		return err
	}
	if o.DuplicateCheck {
		b.DupCheck = 1
	}
	if window > 0 {
		w, err := duplicateInterval(window)
		if err != nil {
			return err
		}
		if o.DuplicateCheckInterval <= 0 || w > secs {
			secs = w
		}
		b.DupCheck = 1
	}
	b.DupSecs = secs
	return nil
}

// duplicateInterval converts the interval to whole seconds (rounded up),
// defaulting to WeCom's 1800 and refusing more than 4 hours.
func duplicateInterval(d time.Duration) (int, error) {
	switch {
	case d < 0:
		return 0, refuse("40058", "duplicate_check_interval must not be negative")
	case d == 0:
		return defaultDuplicateCheckInterval, nil
	}
	secs := (d + time.Second - 1) / time.Second
	if secs > MaxDuplicateCheckInterval {
		return 0, refuse("40058", fmt.Sprintf("duplicate_check_interval is %s; WeCom allows at most 4h (%d s)", d, MaxDuplicateCheckInterval))
	}
	return int(secs), nil
}

// flag renders a bool as WeCom's explicit 0/1.
func flag(b bool) *int {
	n := 0
	if b {
		n = 1
	}
	return &n
}

// Outcome codes are the answer's field names; the messages say what they
// mean, with errmsg appended when it says more than "ok".
var outcomeText = map[string]string{
	"invaliduser":    "userid does not exist or is outside the app's visible range",
	"invalidparty":   "department does not exist or is outside the app's visible range",
	"invalidtag":     "tag does not exist or is outside the app's visible range",
	"unlicenseduser": "member has no valid API licence",
}

// outcomes maps invaliduser/invalidparty/invalidtag (Status invalid) and
// unlicenseduser (Status failed) back to the batch's recipients, in batch
// order. WeCom lower-cases userids in the answer, so they are compared
// lower-cased and reported as the engine sent them.
func outcomes(t providers.Target, r sendResponse) []providers.Outcome {
	var out []providers.Outcome
	add := func(v string, st providers.DeliveryStatus, field string) {
		msg := outcomeText[field]
		if r.ErrMsg != "" && r.ErrMsg != "ok" {
			msg += " (" + r.ErrMsg + ")"
		}
		out = append(out, providers.Outcome{Recipient: v, Status: st, Code: field, Message: msg})
	}
	switch t.Kind {
	case providers.AudienceCID, providers.AudienceUserID, providers.AudienceAlias:
		invalid, unlicensed := idSet(r.InvalidUser, true), idSet(r.UnlicensedUser, true)
		for _, v := range t.Values {
			k := strings.ToLower(strings.TrimSpace(v))
			switch {
			case invalid[k]:
				add(v, providers.StatusInvalid, "invaliduser")
			case unlicensed[k]:
				add(v, providers.StatusFailed, "unlicenseduser")
			}
		}
	case providers.AudienceParty:
		invalid := idSet(r.InvalidParty, false)
		for _, v := range t.Values {
			if invalid[strings.TrimSpace(v)] {
				add(v, providers.StatusInvalid, "invalidparty")
			}
		}
	case providers.AudienceTag:
		invalid := idSet(r.InvalidTag, false)
		for _, v := range t.Values {
			if invalid[strings.TrimSpace(v)] {
				add(v, providers.StatusInvalid, "invalidtag")
			}
		}
	}
	return out
}

// idSet splits a "|"-joined list (spaces around ids tolerated: WeCom's
// own examples write "TagID1 | TagID2").
func idSet(joined string, lower bool) map[string]bool {
	set := map[string]bool{}
	for _, id := range strings.Split(joined, "|") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if lower {
			id = strings.ToLower(id)
		}
		set[id] = true
	}
	return set
}
