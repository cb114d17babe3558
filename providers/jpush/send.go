package jpush

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/pushdeck/pushdeck/providers"
)

// Send performs one POST /v3/push: all, tag (any of ≤20 tags), or a list
// of ≤1,000 aliases or registration ids (pushdeck's cid). The push carries
// the batch's cid (SendRequest.Key, or one kept per request id), so a
// retry is answered with the first push's msg_id and not pushed again.
//
// JPush answers a push as a whole: ids it does not know are skipped
// without a word, so a list's recipients are all accepted unless none
// matched (1011, every recipient invalid). Failures are *providers.Error.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	if !providers.ValidRequestID(req.RequestID) {
		return providers.Result{}, permanent("request_id", "request id must be 10–32 of [0-9A-Za-z_-], got %q", req.RequestID)
	}
	if !Capabilities().SupportsType(req.Message.Type) {
		return providers.Result{}, permanent("message_type", "message type %q is not supported by JPush", req.Message.Type)
	}
	aud, err := buildAudience(req.Target)
	if err != nil {
		return providers.Result{}, err
	}
	body, err := buildBody(req.Message, req.RequestID)
	if err != nil {
		return providers.Result{}, err
	}
	body.Audience = aud
	body.CID = req.Key
	if body.CID == "" {
		if body.CID, err = c.cidFor(ctx, req.RequestID); err != nil {
			return providers.Result{}, err
		}
	}
	c.log.DebugContext(ctx, "jpush send", slog.String("request_id", req.RequestID), slog.String("cid", body.CID),
		slog.String("audience", string(req.Target.Kind)), slog.Int("recipients", len(req.Target.Values)))
	var ans pushAnswer
	if err := c.call(ctx, http.MethodPost, c.pushBase+"/v3/push", body, &ans); err != nil {
		return providers.Result{}, err
	}
	if ans.MsgID == "" {
		return providers.Result{}, &providers.Error{Class: providers.Retry, Code: "bad_response", Msg: "push answer without msg_id"}
	}
	return providers.Result{TaskID: ans.MsgID}, nil
}

// buildAudience maps a target onto the push's audience, refusing lists
// over JPush's limits before any call.
func buildAudience(t providers.Target) (any, error) {
	switch t.Kind {
	case providers.AudienceAll:
		return "all", nil
	case providers.AudienceTag:
		if err := checkValues(t, MaxTags, MaxTagBytes); err != nil {
			return nil, err
		}
		return audience{Tag: t.Values}, nil
	case providers.AudienceAlias:
		if err := checkValues(t, MaxIDs, MaxTagBytes); err != nil {
			return nil, err
		}
		return audience{Alias: t.Values}, nil
	case providers.AudienceCID:
		if err := checkValues(t, MaxIDs, 0); err != nil {
			return nil, err
		}
		return audience{RegistrationID: t.Values}, nil
	}
	return nil, permanent("audience", "audience kind %q is not supported by JPush", t.Kind)
}

// checkValues bounds a list: 1..max values, none empty, each at most
// maxBytes (0: no bound).
func checkValues(t providers.Target, max, maxBytes int) error {
	switch {
	case len(t.Values) == 0:
		return permanent("audience", "an empty %s list", t.Kind)
	case len(t.Values) > max:
		return permanent("audience", "%d %s values exceed JPush's %d a push", len(t.Values), t.Kind, max)
	}
	for _, v := range t.Values {
		if v == "" || (maxBytes > 0 && len(v) > maxBytes) {
			return permanent("audience", "%s value %q is empty or over %d bytes", t.Kind, v, maxBytes)
		}
	}
	return nil
}
