package wecom

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pushdeck/pushdeck/providers"
)

// Content limits of message/send.
const (
	// MaxContentBytes bounds text and markdown content. WeCom truncates
	// longer text or refuses it with 45002, depending on the message type
	// and version. Either way the recipient would not get what was
	// composed, so the client refuses instead of sending.
	MaxContentBytes = 2048
	// MaxArticles bounds a news message (45008 above it).
	MaxArticles = 8
	// MaxDuplicateCheckInterval is the longest duplicate_check_interval (4 h).
	MaxDuplicateCheckInterval = 14400
	// defaultDuplicateCheckInterval is WeCom's default, sent explicitly.
	defaultDuplicateCheckInterval = 1800

	maxTitleBytes       = 128
	maxDescriptionBytes = 512
	maxURLBytes         = 2048
	maxButtonRunes      = 4
)

// Send performs one message/send. Everything checkable is checked before
// any call (including the token fetch): list sizes against Capabilities,
// content limits, options the msgtype does not take. Recipients WeCom lists
// as invalid come back as Outcomes; errcode 81013 (every recipient invalid)
// is a Permanent error with Code "81013" and AllRecipientsInvalid set.
// msgid becomes Result.TaskID.
// WeCom has no request id; the engine's RequestID is only logged, and a
// positive DedupeWindow turns enable_duplicate_check on for that long. The
// body is built from the request alone (struct fields in a fixed order, no
// clock, no per-call value), so a retry of the same request is the same
// bytes and falls inside WeCom's duplicate check.
func (c *Client) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	body, err := c.buildSend(req)
	if err != nil {
		return providers.Result{}, fmt.Errorf("wecom: send: %w", err)
	}
	payload, err := json.Marshal(body)
	if err != nil {
		return providers.Result{}, fmt.Errorf("wecom: send: encode: %w", err)
	}
	log := c.log.With(slog.String("request_id", req.RequestID), slog.String("msgtype", body.MsgType),
		slog.String("audience", string(req.Target.Kind)), slog.Int("recipients", len(req.Target.Values)))
	raw, env, err := c.authedPost(ctx, "/cgi-bin/message/send", payload)
	if err != nil {
		return providers.Result{}, fmt.Errorf("wecom: send: %w", err)
	}
	if code := *env.ErrCode; code != 0 {
		log.InfoContext(ctx, "wecom send refused", slog.Int("errcode", code), slog.String("errmsg", env.ErrMsg))
		return providers.Result{}, fmt.Errorf("wecom: send: %w", codeError(code, env.ErrMsg))
	}
	var sr sendResponse
	if err := json.Unmarshal(raw, &sr); err != nil {
		return providers.Result{}, fmt.Errorf("wecom: send: %w", &providers.Error{
			Class: providers.Retry, Code: codeBadResponse, Msg: "malformed message/send answer", Err: err,
		})
	}
	res := providers.Result{TaskID: sr.MsgID, Outcomes: outcomes(req.Target, sr)}
	log.DebugContext(ctx, "wecom sent", slog.String("msgid", sr.MsgID), slog.Int("outcomes", len(res.Outcomes)))
	return res, nil
}

// buildSend turns a SendRequest into the message/send body, refusing what
// WeCom would refuse (with the errcode it would answer) or silently alter.
func (c *Client) buildSend(req providers.SendRequest) (*sendRequest, error) {
	b := &sendRequest{MsgType: string(req.Message.Type), AgentID: c.agentID}
	if err := address(req.Target, b); err != nil {
		return nil, err
	}
	if err := content(req.Message, b); err != nil {
		return nil, err
	}
	if err := options(req.Message.WeCom, req.Message.Type, req.DedupeWindow, b); err != nil {
		return nil, err
	}
	return b, nil
}

// address fills touser/toparty/totag. cid, user_id and alias are userids.
func address(t providers.Target, b *sendRequest) error {
	var err error
	switch t.Kind {
	case providers.AudienceAll:
		if len(t.Values) > 0 {
			return refuse("40058", "audience all takes no values")
		}
		b.ToUser = "@all"
	case providers.AudienceCID, providers.AudienceUserID, providers.AudienceAlias:
		b.ToUser, err = joinList(t.Values, MaxUsers, "touser", "40032")
	case providers.AudienceParty:
		b.ToParty, err = joinList(t.Values, MaxParties, "toparty", "82002")
	case providers.AudienceTag:
		b.ToTag, err = joinList(t.Values, MaxTags, "totag", "82003")
	default:
		return refuse("unsupported_audience", fmt.Sprintf("audience kind %q is not supported by WeCom", t.Kind))
	}
	return err
}

// joinList joins ids with "|" after checking the count against max. An id
// containing "|" or equal to "@all" would change who receives the message,
// so it is refused rather than sent.
func joinList(vals []string, max int, field, limitCode string) (string, error) {
	if len(vals) == 0 {
		return "", refuse("82001", field+" list is empty")
	}
	if len(vals) > max {
		return "", refuse(limitCode, fmt.Sprintf("%s has %d values; WeCom allows at most %d per request", field, len(vals), max))
	}
	for _, v := range vals {
		switch {
		case strings.TrimSpace(v) == "":
			return "", refuse("40058", field+" contains an empty id")
		case strings.Contains(v, "|"):
			return "", refuse("40058", fmt.Sprintf("%s id %q contains the separator |", field, v))
		case v == "@all":
			return "", refuse("40058", field+` list contains "@all"; use the all audience`)
		}
	}
	return strings.Join(vals, "|"), nil
}

// content fills the msgtype object.
func content(m providers.Message, b *sendRequest) error {
	switch m.Type {
	case providers.TypeText:
		if err := checkContent(m.Body, "text"); err != nil {
			return err
		}
		b.Text = &contentBody{Content: m.Body}
	case providers.TypeMarkdown:
		if err := checkContent(m.Body, "markdown"); err != nil {
			return err
		}
		b.Markdown = &contentBody{Content: m.Body}
	case providers.TypeTextCard:
		card, err := textCard(m)
		if err != nil {
			return err
		}
		b.TextCard = card
	case providers.TypeNews:
		news, err := newsArticles(m.WeCom.Articles)
		if err != nil {
			return err
		}
		b.News = news
	default:
		return refuse("40008", fmt.Sprintf("message type %q is not supported by WeCom (text, textcard, markdown, news)", m.Type))
	}
	return nil
}

func checkContent(s, what string) error {
	if s == "" {
		return refuse("44004", what+" content (message body) is empty")
	}
	if len(s) > MaxContentBytes {
		return refuse("45002", fmt.Sprintf("%s content is %d bytes; WeCom allows at most %d bytes", what, len(s), MaxContentBytes))
	}
	return nil
}

// textCard maps title, body (description), click URL and button text.
func textCard(m providers.Message) (*textCardBody, error) {
	if err := checkTitle(m.Title, "textcard title"); err != nil {
		return nil, err
	}
	switch {
	case m.Body == "":
		return nil, refuse("41033", "textcard description (message body) is required")
	case len(m.Body) > maxDescriptionBytes:
		return nil, refuse("40058", fmt.Sprintf("textcard description is %d bytes; WeCom allows at most %d bytes", len(m.Body), maxDescriptionBytes))
	case len([]rune(m.WeCom.ButtonText)) > maxButtonRunes:
		return nil, refuse("40058", fmt.Sprintf("textcard btntxt %q is longer than %d characters", m.WeCom.ButtonText, maxButtonRunes))
	}
	if err := checkURL(m.Click.URL, "textcard url (click URL)", true); err != nil {
		return nil, err
	}
	return &textCardBody{Title: m.Title, Description: m.Body, URL: m.Click.URL, BtnTxt: m.WeCom.ButtonText}, nil
}

// newsArticles maps 1–8 articles; each needs a title and a URL (the
// mini-program alternative, appid/pagepath, is not offered).
func newsArticles(arts []providers.Article) (*newsBody, error) {
	switch {
	case len(arts) == 0:
		return nil, refuse("40058", "news needs at least one article")
	case len(arts) > MaxArticles:
		return nil, refuse("45008", fmt.Sprintf("news has %d articles; WeCom allows at most %d", len(arts), MaxArticles))
	}
	out := &newsBody{Articles: make([]newsArticle, 0, len(arts))}
	for i, a := range arts {
		where := fmt.Sprintf("news article %d", i+1)
		if err := checkTitle(a.Title, where+" title"); err != nil {
			return nil, err
		}
		if len(a.Description) > maxDescriptionBytes {
			return nil, refuse("40058", fmt.Sprintf("%s description is %d bytes; WeCom allows at most %d bytes", where, len(a.Description), maxDescriptionBytes))
		}
		if err := checkURL(a.URL, where+" url", true); err != nil {
			return nil, err
		}
		if err := checkURL(a.PicURL, where+" picurl", false); err != nil {
			return nil, err
		}
		out.Articles = append(out.Articles, newsArticle{Title: a.Title, Description: a.Description, URL: a.URL, PicURL: a.PicURL})
	}
	return out, nil
}

func checkTitle(s, what string) error {
	if s == "" {
		return refuse("41016", what+" is required")
	}
	if len(s) > maxTitleBytes {
		return refuse("40058", fmt.Sprintf("%s is %d bytes; WeCom allows at most %d bytes", what, len(s), maxTitleBytes))
	}
	return nil
}

func checkURL(s, what string, required bool) error {
	switch {
	case s == "" && required:
		return refuse("41010", what+" is required")
	case s == "":
		return nil
	case len(s) > maxURLBytes:
		return refuse("40058", fmt.Sprintf("%s is %d bytes; WeCom allows at most %d bytes", what, len(s), maxURLBytes))
	case !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://"):
		return refuse("45034", what+" must start with http:// or https://")
	}
	return nil
}
