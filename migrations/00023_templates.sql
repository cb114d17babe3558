-- Saved message templates: a message (all its fields, options included)
-- for one provider kind, named, to start campaigns from.
--
-- A campaign keeps the template it was started from so the template's page
-- can list them; deleting a template leaves its campaigns (and their own
-- copy of the message) alone, hence SET NULL. Names are unique
-- case-sensitively, like provider account names.

-- +goose Up
CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT     NOT NULL UNIQUE,
    kind       TEXT     NOT NULL,
    message    TEXT     NOT NULL,  -- JSON providers.Message
    created_by TEXT     NOT NULL DEFAULT '',
    updated_by TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

ALTER TABLE campaigns ADD COLUMN template_id INTEGER REFERENCES templates (id) ON DELETE SET NULL;
CREATE INDEX campaigns_template ON campaigns (template_id) WHERE template_id IS NOT NULL;

-- +goose Down
DROP INDEX campaigns_template;
ALTER TABLE campaigns DROP COLUMN template_id;
DROP TABLE templates;
