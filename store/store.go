// Package store keeps taxpayers, tax sources, declarations, tokens, the
// audit log and idempotency records in PostgreSQL (sqlx + lib/pq) or, when
// no database URL is given, in an embedded SQLite file (modernc.org/sqlite,
// pure Go). SQL lives in .sql files: migrations/<dialect>/*.sql, applied at
// start in name order, each in one transaction and recorded in
// schema_migrations; queries/*.sql hold named queries shared by both
// dialects (written with ? placeholders, rebound for PostgreSQL).
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ecotax/ecotax/calc"
)

//go:embed migrations queries
var sqlFiles embed.FS

// Dialects.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// DB is the database. Now is the clock every transaction reads once at
// its start, so all rows written together carry the same time.
type DB struct {
	x       *sqlx.DB
	dialect string
	q       *queries
	Now     func() time.Time
}

// Open connects to dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is the path of an SQLite file. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		x   *sqlx.DB
		err error
	)
	dialect := SQLite
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		dialect = Postgres
		x, err = sqlx.Open("postgres", dsn)
	} else {
		if dsn == "" {
			return nil, errors.New("store: empty SQLite path")
		}
		// WAL lets readers run beside the writer; immediate transactions
		// take the write lock up front so two writers wait (busy_timeout)
		// instead of failing half-way; foreign keys are off by default.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		x, err = sqlx.Open("sqlite", "file:"+dsn+"?"+q.Encode())
	}
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		x.SetMaxOpenConns(4)
	} else {
		x.SetMaxOpenConns(20)
		x.SetMaxIdleConns(10)
		x.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("store: %s: %w", dialect, err)
	}
	q, err := loadQueries(sqlFiles, dialect)
	if err != nil {
		x.Close()
		return nil, err
	}
	return &DB{x: x, dialect: dialect, q: q, Now: time.Now}, nil
}

// Dialect is "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks the database answers (for /readyz).
func (db *DB) Ping(ctx context.Context) error { return db.x.PingContext(ctx) }

// Close closes the pool.
func (db *DB) Close() error { return db.x.Close() }

// SQL exposes the pool for metrics (sql.DBStats).
func (db *DB) SQL() *sql.DB { return db.x.DB }

// Migrate applies the embedded migrations not yet recorded, each in its
// own transaction. On PostgreSQL an advisory lock keeps two servers
// starting together from racing.
func (db *DB) Migrate(ctx context.Context) error {
	dir := path.Join("migrations", db.dialect)
	entries, err := fs.ReadDir(sqlFiles, dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`
	if _, err := db.x.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for _, name := range names {
		if err := db.migrate(ctx, dir, name); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrate(ctx context.Context, dir, name string) error {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7310211)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(sqlFiles, path.Join(dir, name))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	at := db.Now().UTC().Format(time.RFC3339)
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`), name, at); err != nil {
		return err
	}
	return tx.Commit()
}

// Tx is one transaction. Every write of a request happens in one Tx, so an
// error anywhere stores nothing.
type Tx struct {
	x   *sqlx.Tx
	q   *queries
	now time.Time
	ctx context.Context
}

// Now is the time captured when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// InTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise (also on panic).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	x, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return dbError(err)
	}
	defer func() {
		if p := recover(); p != nil {
			x.Rollback()
			panic(p)
		}
		if err != nil {
			x.Rollback()
		}
	}()
	if err = fn(&Tx{x: x, q: db.q, now: db.Now().UTC().Truncate(time.Microsecond), ctx: ctx}); err != nil {
		return err
	}
	return dbError(x.Commit())
}

// View runs fn in a read transaction: the place every read of the
// application layer goes through, so that the dialects can run reads
// without taking the writer's lock.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.InTx(ctx, fn)
}

// dbError turns driver errors the caller can act on into *calc.Error:
// unique violations are conflicts; everything else stays internal.
func dbError(err error) error {
	if err == nil {
		return nil
	}
	var ce *calc.Error
	if errors.As(err, &ce) {
		return err
	}
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &calc.Error{Kind: calc.KindConflict, Code: "duplicate", Title: "记录已存在", Detail: pe.Constraint}
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return &calc.Error{Kind: calc.KindConflict, Code: "duplicate", Title: "记录已存在", Detail: se.Error()}
	}
	return err
}

func notFound(code, title, detail string) *calc.Error {
	return &calc.Error{Kind: calc.KindNotFound, Code: code, Title: title, Detail: detail}
}

func stale(what string) *calc.Error {
	return &calc.Error{Kind: calc.KindConflict, Code: "stale_version", Title: "版本已过期",
		Detail: what + " was changed by someone else (or the version is wrong); reload and retry"}
}

// get, sel and exec run a named query in the transaction.
func (tx *Tx) get(dst any, query string, args ...any) error {
	return dbError(tx.x.GetContext(tx.ctx, dst, query, args...))
}

func (tx *Tx) sel(dst any, query string, args ...any) error {
	return dbError(tx.x.SelectContext(tx.ctx, dst, query, args...))
}

func (tx *Tx) exec(query string, args ...any) (int64, error) {
	res, err := tx.x.ExecContext(tx.ctx, query, args...)
	if err != nil {
		return 0, dbError(err)
	}
	return res.RowsAffected()
}
