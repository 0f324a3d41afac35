package store

import (
	"context"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// COPY text written by the store itself and handed to lib/pq in chunks
// (its copyin's CopyData), for ingest: database/sql's Stmt.Exec per row,
// as pq.CopyIn is meant to be used, costs about as much Go CPU per row as
// the rest of ingest together (locking the connection, converting and
// checking every argument, a result per call), and on the shared cores
// that CPU is wall time the database waits for. The rows, the statement
// and what PostgreSQL parses are the same as lib/pq's own encoding
// (appendEncodedText): text format, tab-separated, \N for NULL, bytea as
// \x hex, timestamps as pq.FormatTimestamp.

// copyChunk is how much COPY text is handed to lib/pq at a time (it
// sends a CopyData message once its own buffer passes 63 KiB).
const copyChunk = 60 << 10

// copyDataStmt is lib/pq's COPY statement: CopyData appends raw text (and
// a newline) to the stream.
type copyDataStmt interface {
	CopyData(ctx context.Context, line string) (driver.Result, error)
}

// copyBuf is COPY text being written: fields end with a tab, a row with
// a newline (end replaces the last tab).
type copyBuf struct {
	b     []byte
	send  func(chunk []byte) error
	rows  int
	err   error
	stamp map[time.Time][]byte // pq.FormatTimestamp of the times seen (one per batch, in ingest)
}

// str is a text field, escaped as COPY's text format requires (a
// backslash, newline, carriage return and tab are written as escapes;
// PostgreSQL reads them back to the same bytes).
func (w *copyBuf) str(s string) {
	start := 0
	for i := 0; i < len(s); i++ {
		var e byte
		switch s[i] {
		case '\\':
			e = '\\'
		case '\n':
			e = 'n'
		case '\r':
			e = 'r'
		case '\t':
			e = 't'
		default:
			continue
		}
		w.b = append(w.b, s[start:i]...)
		w.b = append(w.b, '\\', e)
		start = i + 1
	}
	w.b = append(w.b, s[start:]...)
	w.b = append(w.b, '\t')
}

// text is a field whose text is already COPY-safe (digits, a sign, a
// point: numbers printed by the store).
func (w *copyBuf) text(b []byte) {
	w.b = append(w.b, b...)
	w.b = append(w.b, '\t')
}

func (w *copyBuf) int(n int64) {
	w.b = strconv.AppendInt(w.b, n, 10)
	w.b = append(w.b, '\t')
}

func (w *copyBuf) null() { w.b = append(w.b, '\\', 'N', '\t') }

// bytea is a BYTEA field in hex form; the backslash of \x is escaped as
// any backslash in COPY text.
func (w *copyBuf) bytea(p []byte) {
	w.b = append(w.b, '\\', '\\', 'x')
	w.b = hex.AppendEncode(w.b, p)
	w.b = append(w.b, '\t')
}

// time is a TIMESTAMPTZ field as lib/pq writes it.
func (w *copyBuf) time(t time.Time) {
	s, ok := w.stamp[t]
	if !ok {
		s = pq.FormatTimestamp(t)
		if w.stamp == nil {
			w.stamp = map[time.Time][]byte{}
		}
		w.stamp[t] = s
	}
	w.text(s)
}

// end ends a row and sends the text written so far once it fills a chunk.
func (w *copyBuf) end() error {
	if w.err != nil {
		return w.err
	}
	w.b[len(w.b)-1] = '\n'
	w.rows++
	if len(w.b) >= copyChunk {
		w.flush()
	}
	return w.err
}

func (w *copyBuf) flush() {
	if w.err == nil && len(w.b) > 0 {
		w.err = w.send(w.b[:len(w.b)-1]) // CopyData adds the row's newline
	}
	w.b = w.b[:0]
}

// errNoConn: the transaction was not begun by IngestTx.
var errNoConn = errors.New("store: COPY text needs a transaction of DB.IngestTx (a connection of its own)")

// copyText runs COPY table (cols) FROM STDIN with the rows fill writes,
// on the transaction's own connection. Errors PostgreSQL reports while
// the text streams (a key violation, a row for a month with no partition)
// come back from the COPY's end as from any statement.
func (tx *Tx) copyText(table string, cols []string, fill func(w *copyBuf) error) error {
	if tx.conn == nil {
		return errNoConn
	}
	return tx.conn.Raw(func(dc any) (err error) {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("store: driver connection %T cannot prepare", dc)
		}
		st, err := pc.PrepareContext(tx.ctx, pq.CopyIn(table, cols...))
		if err != nil {
			return dbError(err)
		}
		cd, ok := st.(copyDataStmt)
		if !ok {
			st.Close()
			return fmt.Errorf("store: lib/pq's COPY statement %T has no CopyData", st)
		}
		w := &copyBuf{b: make([]byte, 0, copyChunk+4<<10)}
		w.send = func(chunk []byte) error {
			_, err := cd.CopyData(tx.ctx, string(chunk))
			return err
		}
		err = fill(w)
		w.flush()
		if err == nil {
			err = w.err
		}
		if err != nil {
			st.Close() // ends the COPY; the transaction is rolled back by the caller
			return dbError(err)
		}
		//lint:ignore SA1019 lib/pq's COPY ends with Exec(nil); it has no ExecContext
		if _, err := st.Exec(nil); err != nil { //nolint:staticcheck // as above
			st.Close()
			return dbError(err)
		}
		return st.Close()
	})
}

// IngestTx is InTx for ingest. On PostgreSQL its transaction runs on a
// connection it holds (sql.Conn), so that ingest can stream COPY text
// straight to lib/pq (Tx.copyText); on SQLite it is InTx.
func (db *DB) IngestTx(ctx context.Context, fn func(tx *Tx) error) error {
	if db.dialect != Postgres {
		return db.InTx(ctx, fn)
	}
	var (
		conn *sqlx.Conn
		x    *sqlx.Tx
		err  error
	)
	// database/sql's BeginTx takes another connection when the pool's
	// turns out broken (after a restart of the server, say); a Conn's
	// BeginTx does not, so this does, as often as database/sql would.
	for try := 0; ; try++ {
		if conn, err = db.x.Connx(ctx); err != nil {
			return dbError(err)
		}
		if x, err = conn.BeginTxx(ctx, nil); err == nil {
			break
		}
		bad := errors.Is(err, driver.ErrBadConn)
		if bad {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // out of the pool
		}
		conn.Close()
		if !bad || try == 2 {
			return dbError(err)
		}
	}
	defer conn.Close()
	return db.finish(ctx, x, conn, fn)
}
