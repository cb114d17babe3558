package dispatch

import (
	"context"
	"slices"
	"strings"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/dispatch/render"
	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// attrScan is how many of an account's newest devices the composer's list
// of attribute names reads: enough to know an account's attributes, bounded
// on a registry of millions.
const attrScan = 20_000

// PersonalPreview is a message rendered for one device of an account, and
// what the composer says about its placeholders.
type PersonalPreview struct {
	// Message is the message as the device gets it (as a device without
	// values gets it when no cid was given).
	Message providers.Message `json:"message"`
	// Personalized is true when the message holds a placeholder.
	Personalized bool `json:"personalized"`
	// FallsBack is true when the device sees a fallback (or nothing) for
	// at least one placeholder.
	FallsBack bool `json:"falls_back"`
	// Placeholders are the names the message uses; Unknown those that
	// are neither a device field nor an attribute any device of the
	// account has (a warning: every recipient gets the fallback).
	Placeholders []string `json:"placeholders"`
	Unknown      []string `json:"unknown"`
	// Attributes are the attribute names the account's devices carry.
	Attributes []string `json:"attributes"`
	// Problems are the provider's rules the rendering breaks (field →
	// catalog id with its arguments): this device would end failed.
	Problems []providers.Problem `json:"problems,omitempty"`
}

// previewStore is what the composer's preview reads.
type previewStore interface {
	// AttributeNames lists the attribute names of an account's newest
	// devices.
	AttributeNames(ctx context.Context, providerID int64, scan int) ([]string, error)
}

// PreviewPersonal renders m for the device cid of an account. A message
// that does not parse, an unknown account or an unknown cid is a
// *models.ValidationError naming the field.
func (e *Engine) PreviewPersonal(ctx context.Context, providerID int64, m providers.Message, cid string) (PersonalPreview, error) {
	acct, caps, err := e.accountCaps(ctx, providerID)
	if err != nil {
		return PersonalPreview{}, err
	}
	tpl, probs := render.Parse(m)
	if len(probs) > 0 {
		v := &models.ValidationError{}
		for _, p := range probs {
			v.Add(p.Field, p.MsgID, p.Args)
		}
		return PersonalPreview{}, v
	}
	out := PersonalPreview{Message: m, Personalized: tpl.Personal(), Placeholders: []string{}, Unknown: []string{}}
	if out.Attributes, err = e.store.AttributeNames(ctx, providerID, attrScan); err != nil {
		return out, err
	}
	if out.Attributes == nil {
		out.Attributes = []string{}
	}
	if !out.Personalized {
		return out, nil
	}
	out.Placeholders = tpl.Names()
	for _, n := range out.Placeholders {
		if !render.IsFixed(n) && !slices.Contains(out.Attributes, n) {
			out.Unknown = append(out.Unknown, n)
		}
	}
	vars := render.Vars{}
	if cid = strings.TrimSpace(cid); cid != "" {
		devs, err := e.store.RecipientDevices(ctx, providerID, false, []string{cid})
		if err != nil {
			return out, err
		}
		if len(devs) == 0 {
			v := &models.ValidationError{}
			v.Add("cid", "personalize.err_no_device", nil)
			return out, v
		}
		vars = recipientVars(devs)[cid]
	}
	msg, _, p := tpl.Render(vars)
	if p != nil {
		out.Problems = []providers.Problem{*p}
		return out, nil
	}
	out.Message, out.FallsBack = msg, tpl.FallsBack(vars)
	out.Problems = draft.CheckRendered(msg, providers.Kind(acct.Kind), caps, draft.Options{})
	return out, nil
}

// testSendPersonal is a test send of a personalized message: each cid
// gets its own rendering, one request each (at most 100 cids).
func (e *Engine) testSendPersonal(ctx context.Context, acct models.ProviderAccount, p providers.Provider, tpl *render.Template, reqID string, kind providers.AudienceKind, cids []string) (TestResult, error) {
	devs, err := e.store.RecipientDevices(ctx, acct.ID, false, cids)
	if err != nil {
		return TestResult{}, err
	}
	vars := recipientVars(devs)
	out := TestResult{RequestID: reqID}
	for i, cid := range cids {
		v, ok := vars[cid]
		if !ok {
			v = render.Vars{CID: cid}
		}
		m, _, prob := tpl.Render(v)
		if prob != nil {
			out.Outcomes = append(out.Outcomes, providers.Outcome{Recipient: cid, Status: providers.StatusFailed, Code: CodePersonalized, Message: problemText(*prob)})
			continue
		}
		res, err := p.Send(ctx, providers.SendRequest{RequestID: subRequestID(reqID, "s", []int{i}), Message: m, Target: providers.Target{Kind: kind, Values: []string{cid}}})
		e.send.recordHealth(ctx, acct.ID, err)
		if err != nil {
			return out, err
		}
		if out.TaskID == "" {
			out.TaskID = res.TaskID
		}
		out.Outcomes = append(out.Outcomes, res.Outcomes...)
	}
	return out, nil
}
