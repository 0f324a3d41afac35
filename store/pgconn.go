package store

import (
	"context"
	"database/sql"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Outages of PostgreSQL: a database that refuses connections, or that
// accepts them and never answers, must not hang the service.
//
//   - connect_timeout (default PGConnectTimeout) bounds the whole
//     connection set-up, TCP and start-up handshake (lib/pq sets a
//     deadline on the socket for it);
//   - statement_timeout (default PGStatementTimeout, a run-time parameter
//     sent at start-up) makes a healthy but slow server give up a
//     statement itself;
//   - every read and write on a connection has a deadline (the statement
//     timeout plus PGReadSlack): a server that stops answering fails the
//     query with an i/o timeout (503 at the doors) instead of blocking
//     forever, which lib/pq would do, as a context's cancellation only
//     sends the server a cancel request that a dead server never answers;
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
	c.Dialer(&ioDialer{d: net.Dialer{KeepAlive: 15 * time.Second}, io: io})
	return sqlx.NewDb(sql.OpenDB(c), "postgres"), nil
}

// ioDialer dials connections whose reads and writes have deadlines.
type ioDialer struct {
	d  net.Dialer
	io time.Duration
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
	return &ioConn{Conn: c, io: d.io}, nil
}

// ioConn gives each read and write a deadline of io from its start,
// unless the driver set one of its own (the start-up's connect_timeout).
type ioConn struct {
	net.Conn
	io    time.Duration
	fixed bool
}

func (c *ioConn) SetDeadline(t time.Time) error {
	c.fixed = !t.IsZero()
	return c.Conn.SetDeadline(t)
}

func (c *ioConn) Read(b []byte) (int, error) {
	if !c.fixed {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.io)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(b)
}

func (c *ioConn) Write(b []byte) (int, error) {
	if !c.fixed {
		if err := c.Conn.SetWriteDeadline(time.Now().Add(c.io)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Write(b)
}

// isPostgresDSN reports whether dsn selects PostgreSQL.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}
