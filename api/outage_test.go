package api_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

// TestPostgresRestartMidRun (issue 11, outages): the service writes
// against a PostgreSQL of the test's own (never the shared cluster) that
// is restarted (pg_ctl restart -m fast) in the middle of the run. Every
// answer is 201 or 503 with Retry-After (never 500), none waits past the
// request timeout, writes succeed again after the restart without
// restarting the service, and every write answered 201 is in the
// database afterwards.
func TestPostgresRestartMidRun(t *testing.T) {
	pg := storetest.StartPrivatePostgres(t)
	ctx := context.Background()
	db, err := store.Open(ctx, pg.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := api.Config{RequestTimeout: 2 * time.Second}
	e := newEnv(t, db, cfg)
	must(t, e.do("tax_officer", "POST", "/v1/taxpayers", obj{"credit_code": codeA, "name": "甲", "region": "500103"}, nil), 201)

	type write struct {
		outlet string
		status int
		retry  string
		took   time.Duration
		at     time.Time
	}
	var (
		mu     sync.Mutex
		writes []write
		stop   atomic.Bool
		wg     sync.WaitGroup
	)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				outlet := fmt.Sprintf("R%d-%d", g, i)
				start := time.Now()
				res := e.do("enterprise", "POST", "/v1/taxpayers/"+codeA+"/sources", obj{"outlet_no": outlet, "outlet_name": "重启测试排口",
					"kind": "air", "pollutant": "二氧化硫", "method": "automatic", "standard_concentration": "200", "valid_from": "2018-01-01"}, nil)
				mu.Lock()
				writes = append(writes, write{outlet, res.status, res.header.Get("Retry-After"), time.Since(start), time.Now()})
				mu.Unlock()
				if res.status != 201 {
					time.Sleep(20 * time.Millisecond) // a client backing off
				}
			}
		}()
	}
	okSince := func(since time.Time) (n int) {
		mu.Lock()
		defer mu.Unlock()
		for _, w := range writes {
			if w.status == 201 && w.at.After(since) {
				n++
			}
		}
		return n
	}
	waitFor := func(what string, since time.Time, n int) {
		until := time.Now().Add(10 * time.Second)
		for okSince(since) < n {
			if time.Now().After(until) {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("%s: fewer than %d writes succeeded within 10 s", what, n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor("before the restart", time.Time{}, 20)
	pg.Restart(t)
	restarted := time.Now()
	waitFor("after the restart", restarted, 20)
	stop.Store(true)
	wg.Wait()

	acked := map[string]bool{}
	counts := map[int]int{}
	for _, w := range writes {
		counts[w.status]++
		switch {
		case w.status == 201:
			acked[w.outlet] = true
		case w.status == 503 && w.retry != "":
		default:
			t.Errorf("write %s: %d (Retry-After %q), want 201 or 503 with Retry-After", w.outlet, w.status, w.retry)
		}
		if w.took > cfg.RequestTimeout+3*time.Second {
			t.Errorf("write %s: took %s, the request timeout is %s", w.outlet, w.took, cfg.RequestTimeout)
		}
	}
	if counts[503] == 0 {
		t.Errorf("no write met the outage (%v): the restart was not observed", counts)
	}
	stored := map[string]bool{}
	if err := db.View(ctx, func(tx *store.Tx) error {
		srcs, err := tx.ListSources(codeA)
		for _, s := range srcs {
			stored[s.OutletNo] = true
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for o := range acked {
		if !stored[o] {
			lost++
			t.Errorf("write %s was answered 201 and is not in the database", o)
		}
	}
	t.Logf("%d writes: %v; %d acknowledged, %d lost", len(writes), counts, len(acked), lost)
}
