package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pushdeck/pushdeck/models"
	"github.com/pushdeck/pushdeck/providers"
)

// The parts of a personalized batch on a provider that cannot recognise a
// repeated request by its id (no request ids: a de-duplication window, or
// nothing) are journaled in the store: each part is recorded before its
// request goes out and its answer when it comes. A kill loses the
// in-memory memo of answered parts, not the journal, so the batch's next
// attempt sends only the parts that never left, keeps the answers
// recorded, and treats a part left without an answer (in flight at the
// kill) as the engine treats any request whose outcome is unknown on that
// provider: sent again within the de-duplication window (with the key the
// provider issued for it, kept in the journal), else ended failed
// (CodeNoDedupe, CodeDedupeWindow). Providers with request ids need none
// of it: a part sent again carries its id and the provider drops it, so
// they pay no write per part.

// journalStore is the journal's part of the store.
type journalStore interface {
	// BeginParts records parts as sent, without an answer.
	BeginParts(ctx context.Context, batchID int64, parts []models.PartStart) error
	// AnswerParts records the answers of parts begun.
	AnswerParts(ctx context.Context, batchID int64, answers []models.PartAnswer) error
	// BatchParts returns the journal of a batch.
	BatchParts(ctx context.Context, batchID int64) ([]models.PartRecord, error)
}

// CodeJournal is the code of a part not sent because the journal could
// not record it (a database failure): nothing went out, so it is retried.
const CodeJournal = "journal"

// partJournal records the parts one attempt of a batch sends.
type partJournal struct {
	store   journalStore
	log     *slog.Logger
	batchID int64
	// issuer is the provider when it issues de-duplication keys: each part
	// gets its own, kept with the part so a resend carries the same one.
	issuer providers.KeyIssuer

	mu   sync.Mutex
	keys map[string]string // part id → key
	// begins and answers write the parts of concurrent calls together.
	begins  coalesce[models.PartStart]
	answers coalesce[models.PartAnswer]
	// writing counts the answers still being written (wait).
	writing sync.WaitGroup
}

// answerLater records the answers without holding up the call's return:
// the next request need not wait for the database. The batch's outcome
// waits for them (wait), so an answer is never recorded after it.
func (j *partJournal) answerLater(ctx context.Context, reqs []providers.SendRequest, res []providers.Result, callErr error) {
	stopping := ctx.Err() != nil
	wctx := context.WithoutCancel(ctx)
	j.writing.Go(func() { j.answer(wctx, stopping, reqs, res, callErr) })
}

// wait returns when every answer handed to answerLater is written.
func (j *partJournal) wait() { j.writing.Wait() }

// journaledClient is cl whose provider journals every request it sends.
func journaledClient(cl *client, jr *partJournal) *client {
	c := *cl
	base := journaled{Provider: cl.p, j: jr}
	if each, ok := cl.p.(providers.EachSender); ok {
		c.p = journaledEach{journaled: base, each: each}
	} else {
		c.p = base
	}
	return &c
}

// journaled is a provider that records each part before and after its
// request.
type journaled struct {
	providers.Provider
	j *partJournal
}

func (p journaled) Send(ctx context.Context, req providers.SendRequest) (providers.Result, error) {
	reqs := []providers.SendRequest{req}
	if err := p.j.begin(ctx, reqs); err != nil {
		return providers.Result{}, err
	}
	res, err := p.Provider.Send(ctx, reqs[0])
	p.j.answerLater(ctx, reqs, []providers.Result{res}, err)
	return res, err
}

// journaledEach is journaled for a provider with a many-singles call.
type journaledEach struct {
	journaled
	each providers.EachSender
}

func (p journaledEach) EachLimit() int { return p.each.EachLimit() }

func (p journaledEach) SendEach(ctx context.Context, reqs []providers.SendRequest) ([]providers.Result, error) {
	reqs = append([]providers.SendRequest(nil), reqs...)
	if err := p.j.begin(ctx, reqs); err != nil {
		return nil, err
	}
	res, err := p.each.SendEach(ctx, reqs)
	p.j.answerLater(ctx, reqs, res, err)
	return res, err
}

// begin gives each request its part's key (the one kept, else a new one
// from the provider) and records the parts as sent. A failure sends
// nothing and says so (NotDelivered), so the batch may be retried.
func (j *partJournal) begin(ctx context.Context, reqs []providers.SendRequest) error {
	starts := make([]models.PartStart, len(reqs))
	for i := range reqs {
		key, err := j.key(ctx, reqs[i].RequestID)
		if err != nil {
			return err
		}
		reqs[i].Key = key
		starts[i] = models.PartStart{ID: reqs[i].RequestID, Key: key}
	}
	err := j.begins.add(starts, func(ps []models.PartStart) error { return j.store.BeginParts(ctx, j.batchID, ps) })
	if err != nil {
		j.log.Error("journal parts", slog.Any("error", err))
		return &providers.Error{Class: providers.Retry, Code: CodeJournal, Msg: "the parts could not be recorded before sending", NotDelivered: true}
	}
	return nil
}

// key returns a part's de-duplication key: "" when the provider issues
// none, the one an earlier attempt used, else a new one.
func (j *partJournal) key(ctx context.Context, partID string) (string, error) {
	if j.issuer == nil {
		return "", nil
	}
	j.mu.Lock()
	k, ok := j.keys[partID]
	j.mu.Unlock()
	if ok && k != "" {
		return k, nil
	}
	k, err := j.issuer.IssueKey(ctx)
	if err != nil {
		pe := *providers.AsError(err)
		pe.NotDelivered = true // issuing a key delivers nothing
		return "", &pe
	}
	j.mu.Lock()
	j.keys[partID] = k
	j.mu.Unlock()
	return k, nil
}

// answer records the answers of parts begun. A call cut short by the
// engine stopping has no answer, unless it proves nothing was sent: its
// parts stay in flight, as after a kill. ctx is not cancelled by the
// stop: an answer that came is kept even while stopping.
func (j *partJournal) answer(ctx context.Context, stopping bool, reqs []providers.SendRequest, res []providers.Result, callErr error) {
	if callErr != nil && stopping && !providers.AsError(callErr).NotDelivered {
		return
	}
	out := make([]models.PartAnswer, len(reqs))
	for i, r := range reqs {
		rec := partRecord{}
		switch {
		case callErr != nil:
			rec.Err = recordError(callErr)
		case i < len(res):
			rec.TaskID = res[i].TaskID
			for _, o := range res[i].Outcomes {
				rec.Outcomes = append(rec.Outcomes, [4]string{o.Recipient, string(o.Status), o.Code, o.Message})
			}
		}
		b, err := json.Marshal(rec)
		if err != nil {
			j.log.Error("encode part answer", slog.Any("error", err))
			return
		}
		out[i] = models.PartAnswer{ID: r.RequestID, Answer: string(b)}
	}
	if err := j.answers.add(out, func(as []models.PartAnswer) error { return j.store.AnswerParts(ctx, j.batchID, as) }); err != nil {
		// The parts stay in flight in the journal: a later process treats
		// them as unanswered, as it would after a kill.
		j.log.Error("journal part answers", slog.Any("error", err))
	}
}

// partRecord is a part's answer as the journal keeps it.
type partRecord struct {
	TaskID   string      `json:"t,omitempty"`
	Outcomes [][4]string `json:"o,omitempty"`
	Err      *errRecord  `json:"e,omitempty"`
}

// errRecord is a provider error as the journal keeps it.
type errRecord struct {
	Class        providers.Class `json:"c"`
	Code         string          `json:"k"`
	Msg          string          `json:"m"`
	NotDelivered bool            `json:"n,omitempty"`
	AllInvalid   bool            `json:"i,omitempty"`
}

func recordError(err error) *errRecord {
	pe := providers.AsError(err)
	return &errRecord{Class: pe.Class, Code: pe.Code, Msg: pe.Msg, NotDelivered: pe.NotDelivered, AllInvalid: pe.AllRecipientsInvalid}
}

// result is the part's answer as the engine had it.
func (r partRecord) result() partResult {
	if r.Err != nil {
		return partResult{err: &providers.Error{Class: r.Err.Class, Code: r.Err.Code, Msg: r.Err.Msg,
			NotDelivered: r.Err.NotDelivered, AllRecipientsInvalid: r.Err.AllInvalid}}
	}
	res := providers.Result{TaskID: r.TaskID}
	for _, o := range r.Outcomes {
		res.Outcomes = append(res.Outcomes, providers.Outcome{Recipient: o[0], Status: providers.DeliveryStatus(o[1]), Code: o[2], Message: o[3]})
	}
	return partResult{res: res}
}

// openJournal reads a batch's journal into done (the parts answered, by
// id; what this process already knows stays) and returns the journal for
// this attempt. A part sent whose outcome is unknown (no answer, or an
// answer that does not prove it undelivered) is sent again only where the
// provider would drop a repeat (its window still open, the same key); else
// it ends failed with the reason, as an unanswered batch would.
func (s *sender) openJournal(ctx context.Context, log *slog.Logger, b models.Batch, parts []part, done map[string]partResult, caps providers.Capabilities, info campaignInfo, p providers.Provider) (*partJournal, error) {
	recs, err := s.store.BatchParts(ctx, b.ID)
	if err != nil {
		return nil, fmt.Errorf("journal of batch %d: %w", b.ID, err)
	}
	jr := &partJournal{store: s.store, log: log, batchID: b.ID, keys: make(map[string]string, len(recs))}
	if ki, ok := p.(providers.KeyIssuer); ok {
		jr.issuer = ki
	}
	byID := make(map[string]models.PartRecord, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
		jr.keys[r.ID] = r.Key
	}
	var doubt *providers.Error // the failure an unknown part ends with; nil when it may be resent
	judged := false
	for _, pt := range parts {
		if _, known := done[pt.id]; known {
			continue
		}
		rec, sent := byID[pt.id]
		if !sent {
			continue // never left: sent now
		}
		if rec.Answered {
			var pr partRecord
			if err := json.Unmarshal([]byte(rec.Answer), &pr); err != nil {
				return nil, fmt.Errorf("journal of batch %d: part %s: %w", b.ID, pt.id, err)
			}
			r := pr.result()
			if r.err == nil || provedUnsent(r.err) {
				done[pt.id] = r // answered, or safe to send again
				continue
			}
		}
		if !judged {
			judged = true
			code, msg := b.LastCode, b.LastError
			if code == "" {
				code, msg = "no_answer", "an earlier attempt ended without an answer"
			}
			if end, unsafe := s.unsafeAttempt(b, caps, info, s.store.Now(), code, msg); unsafe {
				doubt = &providers.Error{Class: providers.Permanent, Code: end.Code, Msg: end.Message}
			}
		}
		if doubt != nil {
			done[pt.id] = partResult{err: doubt, final: true}
		}
	}
	return jr, nil
}

// provedUnsent reports whether a part's failure proves nothing of it was
// delivered: the provider says so, it refused the credentials, or it
// refused the request for good.
func provedUnsent(err error) bool {
	pe := providers.AsError(err)
	return pe.NotDelivered || pe.Class == providers.Reauth || pe.Class == providers.Permanent
}
