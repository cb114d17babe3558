package models

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// importResultDoc is the JSON of import_jobs.result: the first rejected
// rows and a file-level problem, as catalog ids with their data, so the
// page renders them in the reader's language whichever instance reads the
// row.
type importResultDoc struct {
	Rejected   []rejectionDoc           `json:"rejected,omitempty"`
	FileErrors map[string]fieldErrorDoc `json:"file_errors,omitempty"`
	// Committed is ImportProgress.Committed while the job runs: what a job
	// whose instance died has surely put in (the counts columns also hold
	// its last, lost transaction).
	Committed *committedDoc `json:"committed,omitempty"`
}

type committedDoc struct {
	Imported  int64 `json:"imported"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

type rejectionDoc struct {
	Line  int64          `json:"line"`
	Field string         `json:"field,omitempty"`
	ID    string         `json:"id"`
	Data  map[string]any `json:"data,omitempty"`
}

type fieldErrorDoc struct {
	ID   string         `json:"id"`
	Data map[string]any `json:"data,omitempty"`
}

// encodeImportResult is the result column for r's rejections, the
// committed counts and a file problem ("" when there is none of them).
func encodeImportResult(r ImportResult, committed *UpsertResult, fileErrs map[string]FieldError) (string, error) {
	if len(r.Rejected) == 0 && len(fileErrs) == 0 && committed == nil {
		return "", nil
	}
	var doc importResultDoc
	if committed != nil {
		doc.Committed = &committedDoc{Imported: committed.Imported, Updated: committed.Updated, Unchanged: committed.Unchanged}
	}
	for _, rj := range r.Rejected {
		doc.Rejected = append(doc.Rejected, rejectionDoc{Line: rj.Line, Field: rj.Field, ID: rj.ID, Data: rj.Data})
	}
	if len(fileErrs) > 0 {
		doc.FileErrors = make(map[string]fieldErrorDoc, len(fileErrs))
		for k, fe := range fileErrs {
			doc.FileErrors[k] = fieldErrorDoc{ID: fe.ID, Data: fe.Data}
		}
	}
	// json.Marshal replaces invalid UTF-8 and escapes NUL, so the text
	// stores on PostgreSQL whatever a rejected row held.
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("models: encode import result: %w", err)
	}
	return string(b), nil
}

// importResultRead is the result column read back.
type importResultRead struct {
	rejected  []Rejection
	fileErrs  map[string]FieldError
	committed *UpsertResult // nil for rows written without it
}

// decodeImportResult reads the result column back. Numbers come back as
// int64 where they are whole (the catalog's plural forms take integers,
// not float64).
func decodeImportResult(s string) (importResultRead, error) {
	if s == "" {
		return importResultRead{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var doc importResultDoc
	if err := dec.Decode(&doc); err != nil {
		return importResultRead{}, fmt.Errorf("decode import result: %w", err)
	}
	var out importResultRead
	if c := doc.Committed; c != nil {
		out.committed = &UpsertResult{Imported: c.Imported, Updated: c.Updated, Unchanged: c.Unchanged}
	}
	for _, d := range doc.Rejected {
		out.rejected = append(out.rejected, Rejection{Line: d.Line, Field: d.Field, FieldError: FieldError{ID: d.ID, Data: wholeNumbers(d.Data)}})
	}
	if len(doc.FileErrors) > 0 {
		out.fileErrs = make(map[string]FieldError, len(doc.FileErrors))
		for k, d := range doc.FileErrors {
			out.fileErrs[k] = FieldError{ID: d.ID, Data: wholeNumbers(d.Data)}
		}
	}
	return out, nil
}

// wholeNumbers turns the json.Numbers of data into int64 (or float64 when
// not whole), in place.
func wholeNumbers(data map[string]any) map[string]any {
	for k, v := range data {
		n, ok := v.(json.Number)
		if !ok {
			continue
		}
		if i, err := n.Int64(); err == nil {
			data[k] = i
		} else if f, err := n.Float64(); err == nil {
			data[k] = f
		}
	}
	return data
}
