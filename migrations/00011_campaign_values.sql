-- A listed audience (cid or alias, up to a million values) is stored one
-- value a row, in key order, instead of as one JSON array in
-- campaign_audiences: the planner and the paged audience endpoint then read
-- it a keyset page at a time, and loading a campaign reads only the count.
--
-- campaign_values: the de-duplicated values of a cid or alias audience.
-- value_count: how many values the audience lists (for every kind), so a
-- campaign's summary never counts rows.
-- audience_uploads / audience_upload_values: values as an API request
-- streams them in, in arrival order (appended at the end of the upload's key
-- range, which is cheap), before the campaign exists; creating the campaign
-- moves them into campaign_values sorted and de-duplicated in one statement.
-- An upload whose request failed is deleted by the request, or by the
-- engine's cleanup when the process died first.

-- +goose Up
CREATE TABLE campaign_values (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    value       TEXT    NOT NULL,
    PRIMARY KEY (campaign_id, value)
) WITHOUT ROWID;

ALTER TABLE campaign_audiences ADD COLUMN value_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE audience_uploads (
    id         INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL -- Unix seconds
);

CREATE TABLE audience_upload_values (
    upload_id INTEGER NOT NULL,
    seq       INTEGER NOT NULL,
    value     TEXT    NOT NULL,
    PRIMARY KEY (upload_id, seq)
) WITHOUT ROWID;

INSERT OR IGNORE INTO campaign_values (campaign_id, value)
SELECT a.campaign_id, j.value FROM campaign_audiences a, json_each(a.audience, '$.values') j
WHERE json_extract(a.audience, '$.kind') IN ('cid', 'alias') AND j.type = 'text'
ORDER BY 1, 2;

UPDATE campaign_audiences SET value_count = coalesce(json_array_length(audience, '$.values'), 0)
WHERE json_extract(audience, '$.kind') NOT IN ('cid', 'alias');

UPDATE campaign_audiences
SET value_count = (SELECT COUNT(*) FROM campaign_values v WHERE v.campaign_id = campaign_audiences.campaign_id),
    audience = json_remove(audience, '$.values')
WHERE json_extract(audience, '$.kind') IN ('cid', 'alias');

-- +goose Down
UPDATE campaign_audiences
SET audience = json_set(audience, '$.values',
    json((SELECT json_group_array(value) FROM (SELECT value FROM campaign_values v WHERE v.campaign_id = campaign_audiences.campaign_id ORDER BY value))))
WHERE json_extract(audience, '$.kind') IN ('cid', 'alias');
DROP TABLE audience_upload_values;
DROP TABLE audience_uploads;
ALTER TABLE campaign_audiences DROP COLUMN value_count;
DROP TABLE campaign_values;
