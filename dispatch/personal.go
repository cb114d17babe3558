package dispatch

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// Personalized messages.
//
// A campaign whose message holds placeholders keeps its template (parsed
// once, cached with the campaign) and renders it per recipient when a
// batch is sent, from the recipients' own devices loaded in one query per
// batch. Recipients whose rendered messages are identical share one list
// request; the rest go one request per recipient, through the provider's
// call that carries many single pushes where it has one
// (providers.EachSender). Each sub-request's id derives from the batch's
// request id and from the recipients it carries, so a retry of the batch
// repeats the same ids and the provider's de-duplication drops what it
// already took. Rules (text limits, the provider's own Check) apply to
// each distinct rendered message: a recipient whose text breaks one ends
// failed with the reason, and the others are sent.

// CodePersonalized is the delivery code of a recipient whose rendered
// message breaks a rule of its provider.
const CodePersonalized = "personalized_invalid"

// part is one request of a personalized batch: a rendered message and the
// indexes (in the batch) of the recipients it goes to.
type part struct {
	id string
	// msg is shared by the parts of one rendering: a message is a large
	// value, and a batch's parts are copied as they are sent and settled.
	msg     *providers.Message
	members []int
}

// personalPlan is a batch rendered: its requests, the recipients sent one
// at a time, and the recipients that end failed without a request.
type personalPlan struct {
	groups  []part
	singles []part
	failed  []models.Outcome
}

// planPersonal renders every recipient of b and sorts them into requests.
// limit is the largest list a request may carry.
func planPersonal(b models.Batch, tpl *render.Template, devs map[string]render.Vars, check func(providers.Message) []providers.Problem, limit int) personalPlan {
	var pl personalPlan
	type group struct {
		msg     providers.Message
		members []int
	}
	var order []string
	groups := map[string]*group{}
	for i, r := range b.Recipients {
		v, ok := devs[r]
		if !ok {
			v = render.Vars{CID: r} // not in the registry: only its id is known
		}
		m, key, p := tpl.Render(v)
		if p != nil {
			pl.failed = append(pl.failed, personalFailure(r, *p))
			continue
		}
		g, ok := groups[key]
		if !ok {
			g = &group{msg: m}
			groups[key] = g
			order = append(order, key)
		}
		g.members = append(g.members, i)
	}
	for _, key := range order {
		g := groups[key]
		// One check per distinct message: its recipients share its fate.
		if ps := check(g.msg); len(ps) > 0 {
			for _, i := range g.members {
				pl.failed = append(pl.failed, personalFailure(b.Recipients[i], ps[0]))
			}
			continue
		}
		if len(g.members) == 1 {
			pl.singles = append(pl.singles, part{id: subRequestID(b.RequestID, "s", g.members), msg: &g.msg, members: g.members})
			continue
		}
		for lo := 0; lo < len(g.members); lo += limit {
			ms := g.members[lo:min(lo+limit, len(g.members))]
			pl.groups = append(pl.groups, part{id: subRequestID(b.RequestID, "g", ms), msg: &g.msg, members: ms})
		}
	}
	return pl
}

// subRequestID derives a sub-request's id from its batch's and from the
// recipients it carries (their places in the frozen batch): the same on
// every attempt while the recipients render alike. A group whose members
// changed between attempts (an attribute edited meanwhile) gets another
// id, so the provider does not drop it as a repeat of a request that went
// to others. Ids stay within the 10–32 characters of [0-9A-Za-z_-] that
// every provider takes.
func subRequestID(base, kind string, members []int) string {
	id := base + kind + strconv.Itoa(members[0])
	if len(members) > 1 {
		h := fnv.New32a()
		for _, m := range members {
			_, _ = h.Write(strconv.AppendInt(nil, int64(m), 36)) // a hash.Hash never fails
			_, _ = h.Write([]byte{','})
		}
		id += "h" + strconv.FormatUint(uint64(h.Sum32()%46656), 36)
	}
	if len(id) <= 32 {
		return id
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(id)) // a hash.Hash never fails
	return "pd" + strconv.FormatUint(h.Sum64(), 36)
}

// personalFailure is the outcome of a recipient whose rendered message
// breaks a rule: the field and what is wrong with it, in plain words (the
// delivery list shows it as the provider's answer).
func personalFailure(recipient string, p providers.Problem) models.Outcome {
	return models.Outcome{Recipient: recipient, Status: models.DeliveryFailed, Code: CodePersonalized, Message: problemText(p)}
}

func problemText(p providers.Problem) string {
	why := p.MsgID
	switch p.MsgID {
	case "err.too_long":
		why = fmt.Sprintf("longer than %v characters", p.Args["Max"])
	case "err.too_long_bytes", render.ErrTooLong:
		why = fmt.Sprintf("longer than %v bytes", p.Args["Max"])
	case "err.required":
		why = "empty"
	case "err.url":
		why = "not an http(s) URL"
	case "err.json_object":
		why = "not a JSON object"
	}
	return "personalized " + strings.TrimPrefix(p.Field, "message.") + " is " + why
}

// recipientVars indexes a batch's devices by the value it names them by.
func recipientVars(devs []models.RecipientDevice) map[string]render.Vars {
	out := make(map[string]render.Vars, len(devs))
	for _, d := range devs {
		out[d.Key] = render.Vars{CID: d.CID, Alias: d.Alias, UserID: d.UserID, Platform: d.Platform, Region: d.Region, Attrs: d.Attributes}
	}
	return out
}

// renderedCheck applies the draft rules to one rendered message.
func renderedCheck(kind providers.Kind, caps providers.Capabilities, opts draft.Options) func(providers.Message) []providers.Problem {
	return func(m providers.Message) []providers.Problem {
		return draft.CheckRendered(m, kind, caps, opts)
	}
}
