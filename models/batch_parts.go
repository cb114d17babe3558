package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// The journal of a personalized batch's parts (batch_parts), kept for
// providers that cannot recognise a repeated request by its id: a part is
// recorded before its request goes out and its answer when it comes, so
// the batch's next attempt after a crash knows which parts were answered,
// which may have been delivered without an answer, and which never left.
// The answer is opaque here (the engine's JSON). The rows of a batch go
// when its outcome is recorded (BatchResult.Journaled).

// PartStart is a part about to be sent: its id and the de-duplication key
// it carries ("" when the provider issues none).
type PartStart struct {
	ID  string
	Key string
}

// PartAnswer is the answer to one part, as the engine encodes it.
type PartAnswer struct {
	ID     string
	Answer string
}

// PartRecord is one part of a batch as the journal has it. Answered is
// false for a part sent whose answer never came (in flight at a crash).
type PartRecord struct {
	ID       string
	Key      string
	Answered bool
	Answer   string
}

// BeginParts records parts of a batch as sent, without an answer (a part
// sent again forgets its earlier answer), before their request goes out.
func (s *Store) BeginParts(ctx context.Context, batchID int64, parts []PartStart) error {
	rows := make([][2]string, len(parts))
	for i, p := range parts {
		rows[i] = [2]string{p.ID, p.Key}
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("models: encode parts of batch %d: %w", batchID, err)
	}
	defer s.lockSerialWrite()()
	_, err = s.rawExec(ctx, `INSERT INTO batch_parts (batch_id, part_id, provider_key, answer)
		SELECT ?, j.value ->> 0, j.value ->> 1, NULL FROM `+s.dialect.eachJSON("?", "j")+`
		WHERE true -- SQLite reads ON after a bare FROM as a join's
		ON CONFLICT (batch_id, part_id) DO UPDATE SET provider_key = excluded.provider_key, answer = NULL`, batchID, string(js))
	if err != nil {
		return fmt.Errorf("models: begin parts of batch %d: %w", batchID, err)
	}
	return nil
}

// AnswerParts records the answers of parts begun (BeginParts).
func (s *Store) AnswerParts(ctx context.Context, batchID int64, answers []PartAnswer) error {
	rows := make([][2]string, len(answers))
	for i, a := range answers {
		rows[i] = [2]string{a.ID, a.Answer}
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("models: encode answers of batch %d: %w", batchID, err)
	}
	defer s.lockSerialWrite()()
	_, err = s.rawExec(ctx, `UPDATE batch_parts SET answer = j.value ->> 1 FROM `+s.dialect.eachJSON("?", "j")+`
		WHERE batch_parts.batch_id = ? AND batch_parts.part_id = j.value ->> 0`, string(js), batchID)
	if err != nil {
		return fmt.Errorf("models: answer parts of batch %d: %w", batchID, err)
	}
	return nil
}

// BatchParts returns the journal of a batch's parts.
func (s *Store) BatchParts(ctx context.Context, batchID int64) ([]PartRecord, error) {
	rows, err := s.read(rowContext(ctx)).Raw(`SELECT part_id, provider_key, answer FROM batch_parts WHERE batch_id = ?`, batchID).Rows()
	if err != nil {
		return nil, fmt.Errorf("models: parts of batch %d: %w", batchID, err)
	}
	defer rows.Close()
	var out []PartRecord
	for rows.Next() {
		var r PartRecord
		var answer sql.NullString
		if err := rows.Scan(&r.ID, &r.Key, &answer); err != nil {
			return nil, fmt.Errorf("models: parts of batch %d: %w", batchID, err)
		}
		r.Answered, r.Answer = answer.Valid, answer.String
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("models: parts of batch %d: %w", batchID, err)
	}
	return out, nil
}
