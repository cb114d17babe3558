-- Personalized batches: every provider task, and the parts answered.
-- The same tables as the SQLite migration of this number (see there).

-- +goose Up
CREATE TABLE batch_tasks (
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    task_id     TEXT COLLATE "C" NOT NULL,
    batch_id    BIGINT NOT NULL,
    PRIMARY KEY (campaign_id, task_id, batch_id)
);

CREATE TABLE batch_parts (
    batch_id BIGINT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    part_id  TEXT COLLATE "C" NOT NULL,
    provider_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    answer   TEXT COLLATE "C",
    PRIMARY KEY (batch_id, part_id)
);

-- +goose Down
DROP TABLE batch_parts;
DROP TABLE batch_tasks;
