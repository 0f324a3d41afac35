package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/internal/silentproxy"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestOpenAgainstASilentDatabase (issue 11, item 8): opening a database
// that accepts connections and never answers fails within the connect
// timeout, not after minutes.
func TestOpenAgainstASilentDatabase(t *testing.T) {
	p := silentproxy.New(t, "")
	start := time.Now()
	_, err := store.Open(context.Background(), "postgres://u:p@"+p.Addr()+"/x?sslmode=disable&connect_timeout=1")
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
	ctx := context.Background()
	db, p := storetest.OpenPostgresBehind(t, store.Options{PGStatementTimeout: 2 * time.Second, PGIOTimeout: 3 * time.Second})
	ping := func(ctx context.Context) error {
		return db.View(ctx, func(tx *store.Tx) error { _, err := tx.ListTaxpayers(store.TaxpayerFilter{Limit: 1}); return err })
	}
	if err := ping(ctx); err != nil {
		t.Fatal(err)
	}
	p.Silence(true)
	start := time.Now()
	err := ping(ctx)
	var ce *calc.Error
	if !errors.As(err, &ce) || ce.Kind != store.KindUnavailable {
		t.Errorf("silent database: %v, want unavailable", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("silent database: took %s", d)
	}
	p.Silence(false)
	deadline := time.Now().Add(10 * time.Second)
	for ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the pool did not recover")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func listOne(ctx context.Context, db *store.DB) error {
	return db.View(ctx, func(tx *store.Tx) error { _, err := tx.ListTaxpayers(store.TaxpayerFilter{Limit: 1}); return err })
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	var ce *calc.Error
	if !errors.As(err, &ce) || ce.Kind != store.KindUnavailable {
		t.Errorf("%s: %v, want unavailable", what, err)
	}
}

// TestTheCallersDeadlineGovernsASilentDatabase (issue 11, item 8): with
// the default statement and I/O timeouts (30 s, 35 s), a read, a write
// and its commit, a ping and the opening of a new connection against a
// database that stopped answering all give up at the deadline of the
// caller's context, which is far shorter; a cancelled context (a client
// gone) ends them at once. The bound is the deadline plus a margin well
// under the I/O timeout, so the test says which one governed.
func TestTheCallersDeadlineGovernsASilentDatabase(t *testing.T) {
	db, p := storetest.OpenPostgresBehind(t, store.Options{})
	if err := listOne(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	const deadline = 700 * time.Millisecond
	margin := store.PGStatementTimeout / 10 // 3 s: far under the 35 s the socket would wait
	p.Silence(true)
	bounded := func(name string, f func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		err := f(ctx)
		if d := time.Since(start); d > deadline+margin {
			t.Errorf("%s: took %s, the caller's deadline is %s", name, d, deadline)
		}
		wantUnavailable(t, name, err)
	}
	bounded("read", func(ctx context.Context) error { return listOne(ctx, db) })
	bounded("write", func(ctx context.Context) error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			return tx.InsertToken(&filing.Token{Role: filing.RoleAdmin}, filing.HashToken(filing.TokenPrefix+"outage"))
		})
	})
	bounded("ping", db.Ping)
	// A pool whose connections are all new: the start-up handshake is
	// held to the caller's deadline too, not only to connect_timeout.
	db.SQL().SetMaxIdleConns(0)
	bounded("new connection", func(ctx context.Context) error { return listOne(ctx, db) })
	db.SQL().SetMaxIdleConns(10)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(deadline, cancel)
	start := time.Now()
	err := listOne(ctx, db)
	if d := time.Since(start); d > deadline+margin {
		t.Errorf("cancelled: took %s after a cancel at %s", d, deadline)
	}
	if err == nil {
		t.Error("cancelled: no error")
	}

	p.Silence(false)
	until := time.Now().Add(10 * time.Second)
	for listOne(context.Background(), db) != nil {
		if time.Now().After(until) {
			t.Fatal("the pool did not recover")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
