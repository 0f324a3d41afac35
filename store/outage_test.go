package store_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// silentProxy forwards 127.0.0.1 connections to target until silenced;
// silenced, it accepts connections and keeps them open but passes no byte
// either way: a database that accepts and never answers.
type silentProxy struct {
	l      net.Listener
	target string
	silent atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newSilentProxy(t *testing.T, target string) *silentProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silentProxy{l: l, target: target}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			if p.silent.Load() || target == "" {
				continue // held open, never answered
			}
			go p.pipe(c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	return p
}

func (p *silentProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, s)
	p.mu.Unlock()
	copyUntilSilent := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 && !p.silent.Load() {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					return
				}
				dst.Close()
				return
			}
		}
	}
	go copyUntilSilent(s, c)
	go copyUntilSilent(c, s)
}

func (p *silentProxy) addr() string { return p.l.Addr().String() }

// TestOpenAgainstASilentDatabase (issue 11, item 8): opening a database
// that accepts connections and never answers fails within the connect
// timeout, not after minutes.
func TestOpenAgainstASilentDatabase(t *testing.T) {
	p := newSilentProxy(t, "")
	start := time.Now()
	_, err := store.Open(context.Background(), "postgres://u:p@"+p.addr()+"/x?sslmode=disable&connect_timeout=1")
	if err == nil {
		t.Fatal("opened a silent database")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestQueriesAgainstADatabaseThatStopsAnswering (issue 11, item 8): the
// project's PostgreSQL behind a local proxy that then passes nothing: a
// read fails within the I/O deadline as unavailable (503 at the doors),
// not after minutes; once the proxy passes bytes again, the same pool
// works without a restart.
func TestQueriesAgainstADatabaseThatStopsAnswering(t *testing.T) {
	dsn := storetest.PostgresSchemaURL(t)
	ctx := context.Background()
	direct, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := direct.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	direct.Close()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := newSilentProxy(t, u.Host)
	u.Host = p.addr()
	db, err := store.OpenWith(ctx, u.String(), store.Options{PGStatementTimeout: 2 * time.Second, PGIOTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ping := func(ctx context.Context) error {
		return db.View(ctx, func(tx *store.Tx) error { _, err := tx.ListTaxpayers(store.TaxpayerFilter{Limit: 1}); return err })
	}
	if err := ping(ctx); err != nil {
		t.Fatal(err)
	}
	p.silent.Store(true)
	start := time.Now()
	err = ping(ctx)
	var ce *calc.Error
	if !errors.As(err, &ce) || ce.Kind != store.KindUnavailable {
		t.Errorf("silent database: %v, want unavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("silent database: took %s", d)
	}
	p.silent.Store(false)
	deadline := time.Now().Add(10 * time.Second)
	for ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the pool did not recover")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
