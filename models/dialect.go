package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Names GORM's dialectors report (gorm.Dialector.Name).
const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

// sqlDialect holds what differs between the two stores' SQL. NewStore picks
// one from the database it is given, once; queries take their
// store-specific text from s.dialect instead of testing the store
// themselves. Everything else is written once, in the subset both accept
// (ON CONFLICT, RETURNING, TRUE/FALSE, ->> on JSON).
type sqlDialect struct {
	// name is the GORM dialector's name (dialectSQLite, dialectPostgres).
	name string
	// serialWrites is true when the database has a single writer
	// (SQLite): the Store then queues its own write transactions on wmu
	// rather than in the database's busy handler.
	serialWrites bool
	// rebind turns a statement's ? placeholders into the driver's own,
	// for the statements that go to database/sql directly (GORM rebinds
	// the ones it runs).
	rebind func(q string) string
	// eachText expands a JSON array of strings (the SQL expression arg:
	// a ? parameter or a column) into rows alias.value, a text; alias.key
	// orders them.
	eachText func(arg, alias string) string
	// eachJSON expands a JSON array into rows alias.value, each read with
	// ->> (alias.value ->> 0 is an inner array's first element).
	eachJSON func(arg, alias string) string
	// objectKeys expands a JSON object's keys into rows alias.key.
	objectKeys func(arg, alias string) string
	// jsonAgg aggregates expr into a JSON array text ('[]' for no rows).
	jsonAgg func(expr string) string
	// indexedBy is the index hint after a table's alias (SQLite's planner
	// needs it where PostgreSQL's does not).
	indexedBy func(index string) string
	// nocaseEq compares col with a ? parameter, ignoring ASCII case.
	nocaseEq func(col string) string
	// contains tests whether text has a ? parameter as a substring.
	contains func(text string) string
	// jsonText reads the text at a path (a ? parameter, made by
	// attrPath) of the JSON document expr; jsonHas tests that the path is
	// there (with any value, null included).
	jsonText, jsonHas func(expr string) string
	// attrPath is the path parameter of an attribute name (validated to
	// [A-Za-z0-9_]).
	attrPath func(name string) string
	// attrNumber reads %[1]s (a jsonText) as a number, NULL when it is
	// not a JSON number's text.
	attrNumber string
	// deviceTagSet expands devices d's tag_ids ("|3|17|") into rows
	// t.value, comparable with eachText's values.
	deviceTagSet string
	// firstAudienceValue is a campaign_audiences a's first value (a
	// segment audience's id).
	firstAudienceValue string
	// deviceTime is how device times are written: SQLite stores whole
	// Unix seconds in them (migration 00006), PostgreSQL a timestamptz.
	deviceTime func(unix int64) any
	// idsThenDevices is a FROM clause joining a JSON array of device ids
	// (a ? parameter) to devices d, the ids driving the join.
	idsThenDevices string
	// unplanned is the condition on campaigns that matches the partial
	// index campaigns_unplanned.
	unplanned string
	// jsonObject is the function building a JSON object from key, value
	// pairs (its values need a type: CAST a ? parameter).
	jsonObject string
	// tagBlocks holds the tag block statements (tag_blocks.go).
	tagBlocks tagBlockSQL
	// devices holds the device batch statements (device_batch.go).
	devices deviceSQL
	// jsonInt reads the number under key (a constant) of the JSON
	// object expr.
	jsonInt func(expr, key string) string
	// utcHour is a time column's UTC hour as text, "2006-01-02 15" (a
	// "T" in place of the space is accepted too).
	utcHour func(col string) string
	// claimLock ends a claim's offer query: "" where claims need no row
	// locks (SQLite's single writer), a locking clause that skips rows
	// another claim holds where writers run in parallel.
	claimLock string
	// now is the store's clock: UTC, at the precision the database keeps
	// times (PostgreSQL: microseconds), so a time written reads back equal.
	now func() time.Time
	// importCache is true when an import may enlarge the connection's
	// page cache (SQLite's PRAGMA cache_size).
	importCache bool
	// freezeSQL, when not empty, adds a chunk of batches in one statement
	// (insertBatchesAtOnce); otherwise a row a statement.
	freezeSQL string
	// rowLock ends a SELECT that locks the rows it reads until the
	// transaction ends: "" where the single writer needs none. It is the
	// lock an UPDATE takes (NO KEY: the key is not changed), so it does
	// not wait for the key-share locks that inserting delivery and batch
	// rows take on their campaign through the foreign key.
	rowLock string
	// analyzeDevices, when not empty, refreshes the planner's statistics
	// of the devices table after an import added rows (importAnalyze).
	analyzeDevices string
}

func dialectFor(db *gorm.DB) sqlDialect {
	if db.Dialector.Name() == dialectPostgres {
		return postgresDialect()
	}
	return sqliteDialect()
}

func sqliteDialect() sqlDialect {
	return sqlDialect{
		name:         dialectSQLite,
		serialWrites: true,
		rebind:       func(q string) string { return q },
		eachText:     func(arg, alias string) string { return "json_each(" + arg + ") AS " + alias },
		eachJSON:     func(arg, alias string) string { return "json_each(" + arg + ") AS " + alias },
		jsonAgg:      func(expr string) string { return "json_group_array(" + expr + ")" },
		objectKeys:   func(arg, alias string) string { return "json_each(" + arg + ") AS " + alias },
		indexedBy:    func(index string) string { return " INDEXED BY " + index },
		nocaseEq:     func(col string) string { return col + " = ? COLLATE NOCASE" },
		contains:     func(text string) string { return "instr(" + text + ", ?) > 0" },
		jsonText:     func(expr string) string { return "json_extract(" + expr + ", ?)" },
		jsonHas:      func(expr string) string { return "json_type(" + expr + ", ?) IS NOT NULL" },
		attrPath:     func(name string) string { return `$."` + name + `"` },
		attrNumber:   attrNumber,
		// The device's tag_ids as a JSON array, for json_each.
		deviceTagSet:       `json_each('[' || replace(trim(d.tag_ids, '|'), '|', ',') || ']') AS t`,
		firstAudienceValue: `json_extract(a.audience, '$.values[0]')`,
		deviceTime:         func(unix int64) any { return unix },
		unplanned:          "planned = 0",
		// CROSS JOIN fixes SQLite's loop order: the ids outside.
		idsThenDevices: "json_each(?) m CROSS JOIN devices d ON d.id = m.value",
		importCache:    true,
		now:            func() time.Time { return time.Now().UTC() },
		// Times are stored as UTC text: the first 13 characters.
		utcHour:    func(col string) string { return "substr(" + col + ", 1, 13)" },
		jsonInt:    func(expr, key string) string { return "json_extract(" + expr + ", '$." + key + "')" },
		jsonObject: "json_object",
		tagBlocks:  tagBlockSQL{gone: sqliteBlocksGone, put: sqliteBlocksPut, get: sqliteBlocksGet},
		devices:    deviceSQL{classify: classifySQL, insert: insertBatchSQL},
	}
}

func postgresDialect() sqlDialect {
	return sqlDialect{
		name:   dialectPostgres,
		rebind: rebindDollar,
		eachText: func(arg, alias string) string {
			return "jsonb_array_elements_text(" + pgJSONB(arg) + ") WITH ORDINALITY AS " + alias + "(value, key)"
		},
		eachJSON: func(arg, alias string) string {
			return "jsonb_array_elements(" + pgJSONB(arg) + ") WITH ORDINALITY AS " + alias + "(value, key)"
		},
		jsonAgg: func(expr string) string { return "coalesce(json_agg(" + expr + "), '[]'::json)" },
		objectKeys: func(arg, alias string) string {
			return "jsonb_object_keys(" + pgJSONB(arg) + ") AS " + alias + "(key)"
		},
		indexedBy: func(string) string { return "" },
		nocaseEq:  func(col string) string { return "lower(" + col + ") = lower(?)" },
		contains:  func(text string) string { return "strpos(" + text + ", ?) > 0" },
		// A path is a text[] literal ({name}); CAST types the parameter.
		jsonText:           func(expr string) string { return "(" + pgJSONB(expr) + " #>> CAST(? AS TEXT[]))" },
		jsonHas:            func(expr string) string { return "(" + pgJSONB(expr) + " #> CAST(? AS TEXT[])) IS NOT NULL" },
		attrPath:           func(name string) string { return "{" + name + "}" },
		attrNumber:         pgAttrNumber,
		deviceTagSet:       `unnest(string_to_array(trim(d.tag_ids, '|'), '|')) AS t(value)`,
		firstAudienceValue: `(a.audience::jsonb #>> '{values,0}')`,
		deviceTime:         func(unix int64) any { return time.Unix(unix, 0).UTC() },
		unplanned:          "NOT planned",
		jsonObject:         "json_build_object",
		now:                pgNow,
		claimLock:          " FOR UPDATE SKIP LOCKED",
		analyzeDevices:     "ANALYZE devices",
		rowLock:            " FOR NO KEY UPDATE",
		freezeSQL:          pgFreezeSQL,
		jsonInt:            func(expr, key string) string { return "(" + expr + " ->> '" + key + "')::bigint" },
		utcHour:            func(col string) string { return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')" },
		tagBlocks:          tagBlockSQL{gone: pgBlocksGone, put: pgBlocksPut, get: pgBlocksGet},
		devices:            deviceSQL{classify: pgClassifySQL, insert: pgInsertBatchSQL, insertReturns: true},
		idsThenDevices:     "jsonb_array_elements_text((?)::jsonb) AS m(value) JOIN devices d ON d.id = m.value::bigint",
	}
}

// deviceSQL is a dialect's device batch statements.
type deviceSQL struct {
	classify, insert string
	// insertReturns is true when insert returns the new rows' id and
	// tag_ids (insertBatchReturning reads them).
	insertReturns bool
}

// pgNow is the time in UTC, in PostgreSQL's microseconds.
func pgNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// pgJSONB is arg as jsonb: a parameter is cast, a column is cast too (the
// documents are TEXT or JSON columns).
func pgJSONB(arg string) string { return "(" + arg + ")::jsonb" }

// rebindDollar numbers a statement's placeholders for PostgreSQL: each ?
// becomes the next $n, and ?N (SQLite's numbered form) becomes $N.
// Question marks inside quoted strings and identifiers are left alone.
func rebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(strconv.Itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// rawPool is a database/sql handle (the pool, or the transaction) whose
// statements are rebound for the dialect: the hot paths go to
// database/sql directly, past GORM's statement builder.
type rawPool struct {
	p      gorm.ConnPool
	rebind func(string) string
}

func (r rawPool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return r.p.PrepareContext(ctx, r.rebind(q))
}

func (r rawPool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return r.p.ExecContext(ctx, r.rebind(q), args...)
}

func (r rawPool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.p.QueryContext(ctx, r.rebind(q), args...)
}

func (r rawPool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.p.QueryRowContext(ctx, r.rebind(q), args...)
}
