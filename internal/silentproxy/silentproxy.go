// Package silentproxy is a TCP proxy for outage tests: it forwards
// connections until silenced, then holds them open and passes nothing,
// as a database that accepts and never answers does.
package silentproxy

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards 127.0.0.1 connections to a target until silenced;
// silenced (or without a target), it accepts connections and keeps them
// open but passes no byte either way: a database that accepts and never
// answers (issue 11, item 8).
type Proxy struct {
	l      net.Listener
	target string
	silent atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

// New listens on a free local port until the test ends;
// target "" makes a proxy that never answers anything.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{l: l, target: target}
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
func (p *Proxy) Silence(on bool) { p.silent.Store(on) }

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.l.Addr().String() }

func (p *Proxy) pipe(c net.Conn) {
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
