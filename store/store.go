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
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
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
//
// On SQLite there are two pools on the one file: the writer, a single
// connection whose transactions begin IMMEDIATE (writers queue in Go, never
// fail half-way on a lock), and the readers, read-only connections
// (query_only) whose transactions begin deferred; in WAL mode a reader
// reads the last committed state and never waits for the writer. On
// PostgreSQL both are the one pool; View's transactions are READ ONLY.
type DB struct {
	x       *sqlx.DB // writes (InTx)
	r       *sqlx.DB // reads (View); x on PostgreSQL
	dialect string
	q       *queries
	Now     func() time.Time
	months  sync.Map // months whose monitoring_values partition is known to exist (EnsureMonths)
}

// Options are the settings of Open that are not in the DSN.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous pragma: "full" (the
	// default: a committed transaction survives a power loss) or "normal"
	// (in WAL mode it survives a crash of the process, but a power loss
	// may lose the last transactions; faster commits, docs/service.md).
	SQLiteSynchronous string
	// PGStatementTimeout is PostgreSQL's statement_timeout unless the DSN
	// names one (0: PGStatementTimeout); PGIOTimeout the deadline of each
	// read and write on a connection (0: the statement timeout plus
	// PGReadSlack). See store/pgconn.go.
	PGStatementTimeout, PGIOTimeout time.Duration
}

// SQLiteSynchronousModes are the accepted values of Options.SQLiteSynchronous.
var SQLiteSynchronousModes = []string{"full", "normal"}

// Open connects to dsn with the default Options (see OpenWith).
func Open(ctx context.Context, dsn string) (*DB, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith connects to dsn: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is the path of an SQLite file. It does not
// migrate; call Migrate.
func OpenWith(ctx context.Context, dsn string, o Options) (*DB, error) {
	if isPostgresDSN(dsn) {
		x, err := openPostgres(dsn, o)
		if err != nil {
			return nil, err
		}
		x.SetMaxOpenConns(20)
		x.SetMaxIdleConns(10)
		x.SetConnMaxIdleTime(5 * time.Minute)
		return newDB(ctx, Postgres, x, x)
	}
	if dsn == "" {
		return nil, errors.New("store: empty SQLite path")
	}
	sync := strings.ToLower(o.SQLiteSynchronous)
	switch sync {
	case "":
		sync = "full"
	case "full", "normal":
	default:
		return nil, fmt.Errorf("store: SQLite synchronous %q: want full or normal", o.SQLiteSynchronous)
	}
	// The writer: WAL lets readers run beside it; immediate transactions
	// take the write lock up front; the busy timeout covers another
	// process (a CLI command beside the server) holding it; foreign keys
	// are off by default.
	w := url.Values{}
	w.Add("_pragma", "busy_timeout(10000)")
	w.Add("_pragma", "journal_mode(WAL)")
	w.Add("_pragma", "foreign_keys(1)")
	w.Add("_pragma", "synchronous("+sync+")")
	w.Set("_txlock", "immediate")
	x, err := sqlx.Open("sqlite", "file:"+dsn+"?"+w.Encode())
	if err != nil {
		return nil, err
	}
	x.SetMaxOpenConns(1)
	// Open the writer first: it switches the file to WAL, which the
	// readers then find.
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("store: %s: %w", SQLite, err)
	}
	rd := url.Values{}
	rd.Add("_pragma", "busy_timeout(10000)")
	rd.Add("_pragma", "foreign_keys(1)")
	rd.Add("_pragma", "query_only(1)")
	r, err := sqlx.Open("sqlite", "file:"+dsn+"?"+rd.Encode())
	if err != nil {
		x.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	return newDB(ctx, SQLite, x, r)
}

func newDB(ctx context.Context, dialect string, x, r *sqlx.DB) (*DB, error) {
	closeAll := func() {
		x.Close()
		if r != x {
			r.Close()
		}
	}
	for _, p := range []*sqlx.DB{x, r} {
		if err := p.PingContext(ctx); err != nil {
			closeAll()
			return nil, fmt.Errorf("store: %s: %w", dialect, err)
		}
	}
	q, err := loadQueries(sqlFiles, dialect)
	if err != nil {
		closeAll()
		return nil, err
	}
	return &DB{x: x, r: r, dialect: dialect, q: q, Now: time.Now}, nil
}

// Dialect is "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks the database answers (for /readyz). It uses the reading
// pool: on SQLite the writer's one connection may be busy with a long
// write, which says nothing about the service being ready.
func (db *DB) Ping(ctx context.Context) error { return dbError(db.r.PingContext(ctx)) }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.x.Close()
	if db.r != db.x {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// SQL exposes the (writing) pool for metrics (sql.DBStats).
func (db *DB) SQL() *sql.DB { return db.x.DB }

// ReadSQL exposes the pool of View for metrics: on PostgreSQL the same as
// SQL, on SQLite the read-only connections.
func (db *DB) ReadSQL() *sql.DB { return db.r.DB }

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
	// The partitions of this month and the next are made at start-up, so
	// the first batch of a month does not wait for one (a month further
	// away, such as a back-fill, is made by the batch that needs it).
	now := db.Now().UTC()
	return db.EnsureMonths(ctx, now.Format("2006-01"), now.AddDate(0, 0, 32-now.Day()).Format("2006-01"))
}

// fkOffMarker starts an SQLite migration that rebuilds tables: it runs
// with foreign keys off (else dropping a parent table would cascade), on
// the writer's one connection, and commits only when foreign_key_check
// finds nothing (https://sqlite.org/lang_altertable.html#otheralter).
const fkOffMarker = "-- store: foreign keys off"

func (db *DB) migrate(ctx context.Context, dir, name string) (err error) {
	body, err := fs.ReadFile(sqlFiles, path.Join(dir, name))
	if err != nil {
		return err
	}
	var tx *sqlx.Tx
	fkOff := db.dialect == SQLite && strings.HasPrefix(string(body), fkOffMarker)
	if fkOff {
		conn, err := db.x.Connx(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer func() {
			if _, e := conn.ExecContext(context.Background(), `PRAGMA foreign_keys = ON`); e != nil && err == nil {
				err = e
			}
		}()
		tx, err = conn.BeginTxx(ctx, nil)
		if err != nil {
			return err
		}
	} else if tx, err = db.x.BeginTxx(ctx, nil); err != nil {
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
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if fkOff {
		var bad []struct {
			Table  string        `db:"table"`
			RowID  sql.NullInt64 `db:"rowid"`
			Parent string        `db:"parent"`
			FKID   int           `db:"fkid"`
		}
		if err := tx.SelectContext(ctx, &bad, `PRAGMA foreign_key_check`); err != nil {
			return err
		}
		if len(bad) > 0 {
			return fmt.Errorf("foreign keys broken: %+v", bad)
		}
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
	x    *sqlx.Tx
	conn *sqlx.Conn // the connection x runs on, when it is the transaction's own (IngestTx); nil otherwise
	q    *queries
	now  time.Time
	ctx  context.Context
}

// Now is the time captured when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// InTx runs fn in a transaction, committing when it returns nil and
// rolling back otherwise (also on panic).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.x, nil, fn)
}

// View runs fn in a read transaction: the place every read goes through.
// On SQLite it runs on the read-only pool (a deferred BEGIN, query_only):
// it sees the last committed state and never waits for a writer. On
// PostgreSQL it is a READ ONLY transaction. A write inside fails on both.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	return db.run(ctx, db.r, &sql.TxOptions{ReadOnly: true}, fn)
}

func (db *DB) run(ctx context.Context, pool *sqlx.DB, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	x, err := pool.BeginTxx(ctx, opts)
	if err != nil {
		return dbError(err)
	}
	return db.finish(ctx, x, nil, fn)
}

// finish runs fn in the begun transaction x (on conn when it was begun on
// a connection of its own, IngestTx) and commits or rolls back.
func (db *DB) finish(ctx context.Context, x *sqlx.Tx, conn *sqlx.Conn, fn func(tx *Tx) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			x.Rollback()
			panic(p)
		}
		if err != nil {
			x.Rollback()
		}
	}()
	if err = fn(&Tx{x: x, conn: conn, q: db.q, now: db.Now().UTC().Truncate(time.Microsecond), ctx: ctx}); err != nil {
		return err
	}
	return dbError(x.Commit())
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
	if Unavailable(err) {
		return &downError{ce: &calc.Error{Kind: KindUnavailable, Code: "database_unavailable", Title: "数据库暂不可用",
			Detail: "the database refused the connection or did not answer in time; retry later"}, cause: err}
	}
	return err
}

// downError is the client's 503 (its *calc.Error, what errors.As finds)
// with the driver's error kept for the log.
type downError struct {
	ce    *calc.Error
	cause error
}

func (e *downError) Error() string { return e.ce.Error() + ": " + e.cause.Error() }
func (e *downError) Unwrap() error { return e.ce }

// KindUnavailable is the kind of error of a database that refuses
// connections, is shutting down or does not answer in time (app and the
// doors answer it 503 with Retry-After).
const KindUnavailable calc.Kind = "unavailable"

// Unavailable reports whether err says the database cannot be reached
// now (rather than that the request was wrong): a refused or broken
// connection, a timeout, PostgreSQL's connection exceptions (class 08),
// shutdown and start-up (57P01–57P03), too many connections (53300), a
// statement timeout or cancel (57014), and SQLite's busy and locked.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		c := string(pe.Code)
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "53300" || c == "57014"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

func notFound(code, title, detail string) *calc.Error {
	return &calc.Error{Kind: calc.KindNotFound, Code: code, Title: title, Detail: detail}
}

func stale(what string) *calc.Error {
	return &calc.Error{Kind: calc.KindConflict, Code: "stale_version", Title: "版本已过期",
		Detail: what + " was changed by someone else (or the version is wrong); reload and retry"}
}

// get, sel and exec run a named query in the transaction.
// A failure the caller cannot act on is wrapped with the query's name (an
// operator reads which statement failed; no client ever sees it, the
// doors answer it as internal or unavailable); a *calc.Error, a missing
// row and what dbError classifies pass as they are.
func (tx *Tx) get(dst any, query string, args ...any) error {
	return tx.wrap(query, dbError(tx.x.GetContext(tx.ctx, dst, query, args...)))
}

func (tx *Tx) sel(dst any, query string, args ...any) error {
	return tx.wrap(query, dbError(tx.x.SelectContext(tx.ctx, dst, query, args...)))
}

func (tx *Tx) exec(query string, args ...any) (int64, error) {
	res, err := tx.x.ExecContext(tx.ctx, query, args...)
	if err != nil {
		return 0, tx.wrap(query, dbError(err))
	}
	return res.RowsAffected()
}

func (tx *Tx) wrap(query string, err error) error {
	var ce *calc.Error
	if err == nil || errors.Is(err, sql.ErrNoRows) || errors.As(err, &ce) {
		return err
	}
	name := tx.q.nameOf[query]
	if name == "" {
		name = "statement"
	}
	return fmt.Errorf("store: %s: %w", name, err)
}

// Pools are the database's connection pools by name, for their metrics:
// one for PostgreSQL; SQLite's writing and reading pools.
func (db *DB) Pools() map[string]*sql.DB {
	if db.r.DB == db.x.DB {
		return map[string]*sql.DB{db.dialect: db.x.DB}
	}
	return map[string]*sql.DB{db.dialect: db.x.DB, db.dialect + "_read": db.r.DB}
}
