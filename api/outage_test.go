package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestRequestTimeoutGovernsASilentDatabase (issue 11, item 8): against a
// database that accepts connections and never answers, with the store's
// default statement and I/O timeouts (30 s, 35 s), an API read and write
// answer 503 with Retry-After within the request timeout, and /readyz
// within its own; once the database answers again the same server works.
// The bounds are the configured timeouts plus a margin far under the
// store's I/O timeout, so the test says which one governed.
func TestRequestTimeoutGovernsASilentDatabase(t *testing.T) {
	db, p := storetest.OpenPostgresBehind(t, store.Options{})
	cfg := api.Config{RequestTimeout: 800 * time.Millisecond, ReadyTimeout: 300 * time.Millisecond}
	e := newEnv(t, db, cfg)
	must(t, e.do("admin", "GET", "/v1/taxpayers", nil, nil), 200)
	margin := store.PGStatementTimeout / 10
	p.Silence(true)
	for _, c := range []struct {
		method, path string
		body         any
		limit        time.Duration
	}{
		{"GET", "/v1/taxpayers", nil, cfg.RequestTimeout},
		{"POST", "/v1/taxpayers", obj{"credit_code": "91500000MA5U7G2X1F", "name": "停机测试", "region": "500103"}, cfg.RequestTimeout},
		{"GET", "/readyz", nil, cfg.ReadyTimeout},
	} {
		start := time.Now()
		res := e.do("admin", c.method, c.path, c.body, nil)
		if d := time.Since(start); d > c.limit+margin {
			t.Errorf("%s %s: took %s, its timeout is %s", c.method, c.path, d, c.limit)
		}
		if res.status != 503 || res.header.Get("Retry-After") == "" {
			t.Errorf("%s %s: %d Retry-After %q, want 503 with Retry-After: %s", c.method, c.path, res.status, res.header.Get("Retry-After"), trim(res.body))
		}
	}
	p.Silence(false)
	until := time.Now().Add(10 * time.Second)
	for e.do("admin", "GET", "/v1/taxpayers", nil, nil).status != 200 {
		if time.Now().After(until) {
			t.Fatal("the server did not recover")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestReadyzWithAnExhaustedPool (issue 11, item 8): with every connection
// of the reading pool held by a transaction that does not end, /readyz
// answers 503 within its timeout instead of queueing for a connection.
func TestReadyzWithAnExhaustedPool(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cfg := api.Config{ReadyTimeout: 300 * time.Millisecond}
		e := newEnv(t, db, cfg)
		must(t, e.do("", "GET", "/readyz", nil, nil), 200)
		db.ReadSQL().SetMaxOpenConns(1)
		held, release := make(chan struct{}), make(chan struct{})
		go db.View(context.Background(), func(*store.Tx) error { close(held); <-release; return nil })
		<-held
		start := time.Now()
		res := e.do("", "GET", "/readyz", nil, nil)
		if d := time.Since(start); d > cfg.ReadyTimeout+2*time.Second {
			t.Errorf("took %s, the timeout is %s", d, cfg.ReadyTimeout)
		}
		if res.status != 503 || res.header.Get("Retry-After") == "" {
			t.Errorf("%d Retry-After %q, want 503 with Retry-After", res.status, res.header.Get("Retry-After"))
		}
		close(release)
		must(t, e.do("", "GET", "/readyz", nil, nil), 200)
	})
}
