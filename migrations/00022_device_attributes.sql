-- Free attributes of a device, besides its fixed fields.
--
-- A JSON object of name → string value, written only by the device writer
-- with its keys sorted, so two equal sets are equal text and a re-import
-- can compare them without parsing. Segments read it with json_extract.

-- +goose Up
ALTER TABLE devices ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE devices DROP COLUMN attributes;
