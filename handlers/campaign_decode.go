package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pushdeck/pushdeck/dispatch/draft"
	"github.com/pushdeck/pushdeck/models"
)

// maxValueLen bounds one listed value (the longest, a client id).
const maxValueLen = 256

// spoolChunk is how many values go to the upload per transaction.
const spoolChunk = 5000

// badBody is a body that cannot be decoded: a 400 with this message.
type badBody string

func (b badBody) Error() string { return string(b) }

// draftStream decodes a campaign body token by token. audience.values is
// trimmed, checked value by value and counted (distinct values, through a
// set of their 64-bit hashes: 16 MB for a million values, where a Go map
// took 36) as it is read; past models.InlineValues values the list is
// spooled into a models.AudienceUpload in chunks, so memory stays bounded
// whatever the list's length. A hash collision could only undercount by
// one; the store counts the distinct values exactly when it attaches the
// upload.
type draftStream struct {
	ctx   context.Context
	store *models.Store
	dec   *json.Decoder
	d     draft.Draft
	buf   []string
	up    *models.AudienceUpload
	seed  maphash.Seed
	seen  hashSet
	// listNamed: a patch names audience.values (null included);
	// listGiven: it gives a list.
	listNamed, listGiven bool
	// messageGiven: the body has a message (else a template_id's is used).
	messageGiven bool
}

func (s *Server) newDraftStream(c *gin.Context) *draftStream {
	ds := &draftStream{ctx: c.Request.Context(), store: s.store, seed: maphash.MakeSeed(),
		dec: json.NewDecoder(c.Request.Body)} // the route's body limit wraps it (bodyRules)
	ds.dec.DisallowUnknownFields()
	return ds
}

// decodeDraft reads a campaign body as a stream. On failure it has
// answered (400, 413, 422 or 500) and returns ok=false. A non-nil upload
// holds the list: the caller attaches it (through Audience.Stored) and must
// Discard it afterwards.
func (s *Server) decodeDraft(c *gin.Context) (d draft.Draft, up *models.AudienceUpload, ok bool) {
	ds := s.newDraftStream(c)
	err := ds.body()
	if err == nil {
		err = ds.finish()
	}
	if err == nil {
		return ds.d, ds.up, true
	}
	s.decodeFailed(c, ds, err)
	return draft.Draft{}, nil, false
}

// decodeFailed drops what a failed decode spooled and answers its error.
func (s *Server) decodeFailed(c *gin.Context, ds *draftStream, err error) {
	if ds.up != nil {
		if derr := ds.up.Discard(context.WithoutCancel(ds.ctx)); derr != nil {
			s.log.Error("discard audience upload", "upload", ds.up.ID, "error", derr)
		}
	}
	var bad badBody
	var ve *models.ValidationError
	switch {
	case errors.As(err, &bad):
		apiError(c, http.StatusBadRequest, "malformed_json", string(bad), nil)
	case errors.As(err, &ve):
		// Refused before the end of the body: the rest is not read.
		c.Header("Connection", "close")
		s.apiFail(c, ve)
	case errors.As(err, new(storeError)):
		s.apiFail(c, err)
	default: // the decoder's (a 413 past the route's limit), or a field's own UnmarshalJSON (a bad time)
		jsonFail(c, err)
	}
}

// storeError is a failure to spool the values, not a fault of the body.
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

// body decodes the top-level object; keys match case-insensitively, as
// encoding/json matches struct fields.
func (ds *draftStream) body() error {
	if err := ds.openBody(); err != nil {
		return err
	}
	for ds.dec.More() {
		key, err := ds.key()
		if err != nil {
			return err
		}
		switch strings.ToLower(key) {
		case "name":
			err = ds.dec.Decode(&ds.d.Name)
		case "provider_id":
			err = ds.dec.Decode(&ds.d.ProviderID)
		case "group":
			err = ds.dec.Decode(&ds.d.Group)
		case "message":
			err = ds.dec.Decode(&ds.d.Message)
			ds.messageGiven = true
		case "template_id":
			err = ds.dec.Decode(&ds.d.TemplateID)
		case "variants":
			err = ds.dec.Decode(&ds.d.Variants)
		case "options":
			err = ds.dec.Decode(&ds.d.Options)
		case "schedule_at":
			err = ds.dec.Decode(&ds.d.ScheduleAt)
		case "audience":
			err = ds.audience()
		default:
			return badBody(fmt.Sprintf("unknown field %q", key))
		}
		if err != nil {
			return err
		}
	}
	if ds.messageGiven && len(ds.d.Variants) > 0 {
		v := &models.ValidationError{}
		v.Add("message", "err.ab_message_and_variants", nil)
		return v
	}
	// template_id instead of a message: the template's message is sent.
	ds.d.FromTemplate = ds.d.TemplateID != nil && !ds.messageGiven && len(ds.d.Variants) == 0
	return ds.end()
}

// end reads the body's closing brace and checks nothing follows.
func (ds *draftStream) end() error {
	if _, err := ds.dec.Token(); err != nil {
		return err
	}
	if _, err := ds.dec.Token(); !errors.Is(err, io.EOF) {
		return badBody("unexpected data after the JSON value")
	}
	return nil
}

// bodyNotObject is the problem with a body that is not a JSON object.
const bodyNotObject = "the body must be a JSON object"

// openBody reads the body's opening brace (a null body is refused).
func (ds *draftStream) openBody() error {
	if err := ds.open("", bodyNotObject); errors.Is(err, errNull) {
		return badBody(bodyNotObject)
	} else if err != nil {
		return err
	}
	return nil
}

// openObject reads an object's opening brace; errNull for null.
func (ds *draftStream) openObject(problem string) error { return ds.open("", problem) }

// open reads the opening delimiter of an object (or of an array with
// arrayOf set); a null leaves the field empty (errNull).
func (ds *draftStream) open(arrayOf, problem string) error {
	tok, err := ds.dec.Token()
	if err != nil {
		return err
	}
	want := json.Delim('{')
	if arrayOf != "" {
		want = json.Delim('[')
	}
	if tok == nil {
		return errNull
	}
	if tok != want {
		return badBody(problem)
	}
	return nil
}

// errNull: the value was JSON null.
var errNull = errors.New("null")

func (ds *draftStream) key() (string, error) {
	tok, err := ds.dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", badBody("invalid JSON body")
	}
	return k, nil
}

func (ds *draftStream) audience() error {
	if err := ds.open("", `field "audience" must be an object`); errors.Is(err, errNull) {
		return nil
	} else if err != nil {
		return err
	}
	a := &ds.d.Audience
	for ds.dec.More() {
		key, err := ds.key()
		if err != nil {
			return err
		}
		switch strings.ToLower(key) {
		case "kind":
			err = ds.dec.Decode(&a.Kind)
		case "count": // as GET answers it; the values say how many
			var n json.Number
			err = ds.dec.Decode(&n)
		case "conditions":
			err = ds.dec.Decode(&a.Tree)
		case "include_invalid":
			err = ds.dec.Decode(&a.IncludeInvalid)
		case "values":
			if err = ds.values(); errors.Is(err, errNull) {
				err = nil
			}
		default:
			return badBody(fmt.Sprintf("unknown field %q", key))
		}
		if err != nil {
			return err
		}
	}
	_, err := ds.dec.Token()
	return err
}

func (ds *draftStream) values() error {
	const problem = `field "audience.values" must be an array of strings`
	if err := ds.open("values", problem); err != nil {
		return err // errNull for null
	}
	if ds.seen.n > 0 || ds.up != nil {
		return badBody(`field "audience.values" is given twice`)
	}
	for ds.dec.More() {
		tok, err := ds.dec.Token()
		if err != nil {
			return err
		}
		v, ok := tok.(string)
		if !ok {
			return badBody(problem)
		}
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		if len(v) > maxValueLen {
			return valuesProblem("err.value_too_long", maxValueLen)
		}
		// Every value is kept (the store de-duplicates exactly); the hash
		// only counts distinct values, so a collision can never drop one.
		if ds.seen.add(maphash.String(ds.seed, v)) && ds.seen.n > draft.MaxListValues {
			return valuesProblem("err.too_many", draft.MaxListValues)
		}
		ds.buf = append(ds.buf, v)
		if err := ds.spool(false); err != nil {
			return err
		}
	}
	_, err := ds.dec.Token()
	return err
}

// spool moves the buffered values to the upload once the list is longer
// than a loaded campaign carries inline, spoolChunk at a time.
func (ds *draftStream) spool(final bool) error {
	if ds.up == nil && len(ds.buf) <= models.InlineValues {
		return nil
	}
	if !final && len(ds.buf) < spoolChunk && ds.up != nil {
		return nil
	}
	if ds.up == nil {
		up, err := ds.store.NewAudienceUpload(ds.ctx)
		if err != nil {
			return storeError{err}
		}
		ds.up = up
	}
	if err := ds.up.Add(ds.ctx, ds.buf); err != nil {
		return storeError{err}
	}
	ds.buf = ds.buf[:0]
	return nil
}

// finish stores the last chunk and points the draft at the upload.
func (ds *draftStream) finish() error {
	if ds.up == nil {
		ds.d.Audience.Values = ds.buf
		return nil
	}
	if err := ds.spool(true); err != nil {
		return err
	}
	ds.d.Audience.Values = nil
	ds.d.Audience.Count = int64(ds.seen.n)
	ds.d.Audience.Stored = &models.StoredValues{Upload: ds.up.ID}
	ds.seen = hashSet{}
	return nil
}

func valuesProblem(id string, max int) error {
	v := &models.ValidationError{}
	v.Add("audience.values", id, map[string]any{"Max": max})
	return v
}

// hashSet is an open-addressing set of 64-bit hashes (linear probing, at
// most half full; 0 marks an empty slot, so hash 0 is stored as 1).
type hashSet struct {
	slots []uint64
	n     int
}

// add inserts h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		h = 1
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
