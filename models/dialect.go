package models

import "gorm.io/gorm"

// Names GORM's dialectors report (gorm.Dialector.Name).
const (
	dialectSQLite   = "sqlite"
	dialectPostgres = "postgres"
)

// sqlDialect holds what differs between the two stores' SQL. NewStore picks
// one from the database it is given, once; queries take their
// store-specific text from s.dialect instead of testing the store
// themselves.
type sqlDialect struct {
	// name is the GORM dialector's name (dialectSQLite, dialectPostgres).
	name string
	// serialWrites is true when the database has a single writer
	// (SQLite): the Store then queues its own write transactions on wmu
	// rather than in the database's busy handler.
	serialWrites bool
}

func dialectFor(db *gorm.DB) sqlDialect {
	if db.Dialector.Name() == dialectPostgres {
		return postgresDialect()
	}
	return sqliteDialect()
}

func sqliteDialect() sqlDialect {
	return sqlDialect{name: dialectSQLite, serialWrites: true}
}

func postgresDialect() sqlDialect {
	return sqlDialect{name: dialectPostgres}
}
