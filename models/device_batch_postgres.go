package models

// PostgreSQL's forms of the device batch statements (device_batch.go has
// SQLite's and the reasons for their shape). The batch is the same JSON
// array of rows; jsonb_array_elements numbers them from 1, so positions
// are k - 1. Booleans and times need casts that SQLite's loose typing
// does without: opted_out arrives as 0/1, last_seen_at as Unix seconds.
const (
	pgClassifySQL = `WITH b(key, value) AS MATERIALIZED (
    SELECT e.k - 1, e.value FROM jsonb_array_elements((?2)::jsonb) WITH ORDINALITY AS e(value, k))
SELECT count(*), coalesce(json_agg(j.key) FILTER (WHERE NOT (
    coalesce(j.value->>1, d.alias) = d.alias AND coalesce(j.value->>2, d.user_id) = d.user_id
    AND coalesce(j.value->>3, d.platform) = d.platform AND coalesce(j.value->>4, d.vendor) = d.vendor
    AND coalesce(j.value->>5, d.region) = d.region AND coalesce((j.value->>6)::int = 1, d.opted_out) = d.opted_out
    AND coalesce(j.value->>7, d.tag_ids) = d.tag_ids
    AND (j.value->>8 IS NULL OR to_timestamp((j.value->>8)::bigint) IS NOT DISTINCT FROM d.last_seen_at)
    AND coalesce(j.value->>9, d.timezone) = d.timezone
    AND coalesce(j.value->>10, d.attributes) = d.attributes)), '[]'::json)
FROM b AS j JOIN devices d ON d.provider_id = ?1 AND d.cid = j.value->>0`

	// The rows go in in batch order (ORDER BY k), as in SQLite, so ids
	// follow cids; RETURNING hands back the new rows' ids and tags.
	pgInsertBatchSQL = `INSERT INTO devices (provider_id, created_at, updated_at, cid, alias, user_id, platform, vendor, region, opted_out, tag_ids, last_seen_at, timezone, attributes)
SELECT ?1, ?2, ?2, j.value->>0, coalesce(j.value->>1, ''), coalesce(j.value->>2, ''), coalesce(j.value->>3, 'other'),
    coalesce(j.value->>4, ''), coalesce(j.value->>5, ''), coalesce((j.value->>6)::int = 1, FALSE), coalesce(j.value->>7, ''),
    to_timestamp((j.value->>8)::bigint), coalesce(j.value->>9, ''), coalesce(j.value->>10, '{}')
FROM jsonb_array_elements((?3)::jsonb) WITH ORDINALITY AS j(value, k) ORDER BY j.k
ON CONFLICT (provider_id, cid) DO NOTHING
RETURNING id, tag_ids`
)
