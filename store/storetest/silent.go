package storetest

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecotax/ecotax/store"
)

// SilentProxy forwards 127.0.0.1 connections to a target until silenced;
// silenced (or without a target), it accepts connections and keeps them
// open but passes no byte either way: a database that accepts and never
// answers (issue 11, item 8).
type SilentProxy struct {
	l      net.Listener
	target string
	silent atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

// NewSilentProxy listens on a free local port until the test ends;
// target "" makes a proxy that never answers anything.
func NewSilentProxy(t testing.TB, target string) *SilentProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &SilentProxy{l: l, target: target}
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

// Silence stops (true) or resumes (false) passing bytes.
func (p *SilentProxy) Silence(on bool) { p.silent.Store(on) }

// Addr is the proxy's host:port.
func (p *SilentProxy) Addr() string { return p.l.Addr().String() }

func (p *SilentProxy) pipe(c net.Conn) {
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

// OpenPostgresBehind opens a migrated store in a schema of its own (see
// PostgresSchemaURL) through a SilentProxy, with the options o (the
// default statement and I/O timeouts unless o names them).
func OpenPostgresBehind(t testing.TB, o store.Options) (*store.DB, *SilentProxy) {
	t.Helper()
	dsn := PostgresSchemaURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	direct, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	err = direct.Migrate(ctx)
	direct.Close()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := NewSilentProxy(t, u.Host)
	u.Host = p.Addr()
	pdb, err := store.OpenWith(ctx, u.String(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pdb.Close() })
	return pdb, p
}
