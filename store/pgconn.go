package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Outages of PostgreSQL: a database that refuses connections, or that
// accepts them and never answers, must not hang the service.
//
//   - the context of the call governs every read and write on the
//     connection: its deadline is the socket's deadline, and its
//     cancellation wakes a blocked read at once. lib/pq alone only sends
//     the server a cancel request when the context ends, which a dead
//     server never answers, so a request would wait for the deadlines
//     below (35 s) instead of its own timeout (15 s at the API). The
//     binding lasts from the call that takes the connection (BeginTx,
//     QueryContext, ExecContext, PrepareContext, Ping) until the next one,
//     so a transaction's Commit and a result's rows are held to the
//     context that began them, as lib/pq holds them for its cancel;
//   - connect_timeout (default PGConnectTimeout) bounds the whole
//     connection set-up, TCP and start-up handshake (lib/pq sets a
//     deadline on the socket for it), and the context of the call that
//     opens the connection bounds it too;
//   - statement_timeout (default PGStatementTimeout, a run-time parameter
//     sent at start-up) makes a healthy but slow server give up a
//     statement itself;
//   - without a context deadline (background work), every read and write
//     still has one: the statement timeout plus PGReadSlack, so a server
//     that stops answering fails the query with an i/o timeout (503 at
//     the doors) instead of blocking forever;
//   - TCP keepalives every 15 s find a dead peer on idle connections.
//
// A DSN that names connect_timeout or statement_timeout keeps its own.
const (
	PGConnectTimeout   = 5 * time.Second
	PGStatementTimeout = 30 * time.Second
	PGReadSlack        = 5 * time.Second
)

// openPostgres opens the pool of dsn with the settings above.
func openPostgres(dsn string, o Options) (*sqlx.DB, error) {
	stmt := o.PGStatementTimeout
	if stmt <= 0 {
		stmt = PGStatementTimeout
	}
	io := o.PGIOTimeout
	if io <= 0 {
		io = stmt + PGReadSlack
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", strconv.Itoa(int(PGConnectTimeout/time.Second)))
	}
	if q.Get("statement_timeout") == "" {
		q.Set("statement_timeout", strconv.FormatInt(stmt.Milliseconds(), 10))
	} else if ms, err := strconv.Atoi(q.Get("statement_timeout")); err == nil && ms > 0 && o.PGIOTimeout <= 0 {
		io = time.Duration(ms)*time.Millisecond + PGReadSlack
	}
	u.RawQuery = q.Encode()
	c, err := pq.NewConnector(u.String())
	if err != nil {
		return nil, err
	}
	return sqlx.NewDb(sql.OpenDB(&connector{pq: c, io: io}), "postgres"), nil
}

// connector opens each lib/pq connection through a dialer of its own, so
// that the connection it hands to database/sql knows its socket and can
// hold the socket to the context of each call.
type connector struct {
	pq *pq.Connector
	io time.Duration
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	d := &ioDialer{d: net.Dialer{KeepAlive: 15 * time.Second}, io: c.io, ctx: ctx}
	pc := *c.pq // a copy: the dialer is this connection's alone
	pc.Dialer(d)
	cn, err := pc.Connect(ctx)
	sock := d.opened() // and forgets ctx: lib/pq keeps the dialer for its cancel requests
	if err != nil {
		return nil, err
	}
	if sock == nil {
		cn.Close()
		return nil, errors.New("store: lib/pq connected without the dialer")
	}
	sock.bind(nil) // the pool's connection outlives the call that opened it
	return &ctxConn{cn: cn, sock: sock}, nil
}

func (c *connector) Driver() driver.Driver { return c.pq.Driver() }

// ioDialer dials connections whose reads and writes have deadlines. The
// first connection it dials is the driver connection's socket, bound to
// ctx while the start-up handshake runs; later ones are lib/pq's cancel
// requests, which keep the connect timeout.
type ioDialer struct {
	d   net.Dialer
	io  time.Duration
	ctx context.Context

	mu    sync.Mutex
	first *ioConn
}

func (d *ioDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d *ioDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d *ioDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	ic := &ioConn{Conn: c, io: d.io}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.first == nil && d.ctx != nil {
		d.first = ic
		ic.bind(d.ctx)
	}
	return ic, nil
}

// opened is the connection's socket once lib/pq has opened it; the
// dialer then forgets the context of the call that opened it.
func (d *ioDialer) opened() *ioConn {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ctx = nil
	return d.first
}

// ioConn gives each read and write a deadline: the earliest of the bound
// context's deadline and io from its start (or the driver's own deadline,
// the start-up's connect_timeout, instead of the latter); once the bound
// context is done, every read and write fails at once, and one blocked
// at that moment is woken.
type ioConn struct {
	net.Conn
	io time.Duration

	mu      sync.Mutex
	fixed   time.Time // set by the driver (SetDeadline)
	ctxDL   time.Time // the bound context's deadline
	done    bool      // the bound context has ended
	gen     uint64    // which binding a late AfterFunc belongs to
	unwatch func() bool
}

// long ago: a deadline that has passed.
var long = time.Unix(1, 0)

// bind holds the connection to ctx (nil: to none) until the next bind.
func (c *ioConn) bind(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unwatch != nil {
		c.unwatch()
		c.unwatch = nil
	}
	c.gen++
	c.ctxDL, c.done = time.Time{}, false
	if ctx == nil {
		return
	}
	if dl, ok := ctx.Deadline(); ok {
		c.ctxDL = dl
	}
	if ctx.Done() == nil {
		return
	}
	gen := c.gen
	c.unwatch = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.gen == gen { // still this binding: wake whatever is blocked
			c.done = true
			c.Conn.SetDeadline(long)
		}
	})
}

// deadline is the next read's or write's; c.mu is held.
func (c *ioConn) deadline() time.Time {
	if c.done {
		return long
	}
	d := c.fixed
	if d.IsZero() {
		d = time.Now().Add(c.io)
	}
	if !c.ctxDL.IsZero() && c.ctxDL.Before(d) {
		d = c.ctxDL
	}
	return d
}

func (c *ioConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fixed = t
	return c.Conn.SetDeadline(c.deadline())
}

// Read and Write set their deadline under the lock, so that a context
// ending between the computing and the setting is not overwritten.
func (c *ioConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	err := c.Conn.SetReadDeadline(c.deadline())
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *ioConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	err := c.Conn.SetWriteDeadline(c.deadline())
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

// ctxConn is lib/pq's connection with its socket bound to the context of
// each call that takes it (see above). It passes on every interface of
// lib/pq's connection that database/sql uses.
type ctxConn struct {
	cn   driver.Conn
	sock *ioConn
}

var (
	_ driver.ConnBeginTx        = (*ctxConn)(nil)
	_ driver.QueryerContext     = (*ctxConn)(nil)
	_ driver.ExecerContext      = (*ctxConn)(nil)
	_ driver.ConnPrepareContext = (*ctxConn)(nil)
	_ driver.Pinger             = (*ctxConn)(nil)
	_ driver.SessionResetter    = (*ctxConn)(nil)
	_ driver.Validator          = (*ctxConn)(nil)
)

func (c *ctxConn) Prepare(q string) (driver.Stmt, error) { return c.cn.Prepare(q) }
func (c *ctxConn) Begin() (driver.Tx, error)             { return c.cn.Begin() } //nolint:staticcheck // the interface's

func (c *ctxConn) Close() error {
	err := c.cn.Close()
	c.sock.bind(nil) // stops watching the last context
	return err
}

func (c *ctxConn) BeginTx(ctx context.Context, o driver.TxOptions) (driver.Tx, error) {
	c.sock.bind(ctx)
	return c.cn.(driver.ConnBeginTx).BeginTx(ctx, o)
}

func (c *ctxConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	c.sock.bind(ctx)
	return c.cn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

func (c *ctxConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	c.sock.bind(ctx)
	return c.cn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c *ctxConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	c.sock.bind(ctx)
	return c.cn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c *ctxConn) Ping(ctx context.Context) error {
	c.sock.bind(ctx)
	return c.cn.(driver.Pinger).Ping(ctx)
}

// ResetSession is called before the pool hands the connection to its
// next user: the last user's context no longer governs it.
func (c *ctxConn) ResetSession(ctx context.Context) error {
	c.sock.bind(nil)
	return c.cn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *ctxConn) IsValid() bool { return c.cn.(driver.Validator).IsValid() }

// isPostgresDSN reports whether dsn selects PostgreSQL.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
