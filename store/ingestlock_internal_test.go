package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// TestIngestLocksPerDevice (PostgreSQL): an ingest holds the advisory
// lock of its devices only. While a batch of device A is held inside its
// transaction (locks taken, nothing committed), a batch of device B goes
// through to its commit, and a second batch of A waits for A's lock —
// seen in pg_locks as a lock not granted, not by timing — and goes on
// once the first commits. Nothing here measures time: the waits are on
// channels and on the catalog.
func TestIngestLocksPerDevice(t *testing.T) {
	db := benchPostgres(t)
	ctx := context.Background()
	var rnd [4]byte
	rand.Read(rnd[:])
	// MNs of their own: advisory locks are per database, not per schema,
	// and other tests may ingest beside this one.
	a, b := "MN-LA"+hex.EncodeToString(rnd[:]), "MN-LB"+hex.EncodeToString(rnd[:])
	batch := func(mn string, from int) []Incoming {
		frames, _, err := reconciletest.Month(reconciletest.Device{MN: mn, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		var out []Incoming
		for _, f := range frames[from : from+2] {
			out = append(out, Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "lock test"})
		}
		return out
	}
	locked := make(chan []string, 8)
	hold := make(chan struct{})
	holder := make(chan int, 1) // the backend of A's first batch
	ingestLocked = func(tx *Tx, mns []string) {
		locked <- slices.Clone(mns)
		if slices.Contains(mns, a) {
			select {
			case <-hold:
				return
			default:
			}
			var pid int
			if err := tx.get(&pid, `SELECT pg_backend_pid()`); err != nil {
				t.Error(err)
			}
			holder <- pid
			<-hold
		}
	}
	t.Cleanup(func() { ingestLocked = nil })
	done := make(chan error, 2)
	ingest := func(in []Incoming) {
		st, err := db.Ingest(ctx, in)
		if err == nil && st.Stored != len(in) {
			err = fmt.Errorf("stored %d of %d", st.Stored, len(in))
		}
		done <- err
	}

	go ingest(batch(a, 0))
	if got := <-locked; !slices.Equal(got, []string{a}) {
		t.Fatalf("first batch locked %v, want [%s]", got, a)
	}
	pidA := <-holder
	// blocked counts the backends waiting for a lock A's first batch
	// holds, and the advisory lock of A that is asked for and not granted.
	blocked := func() (byA, onA int) {
		t.Helper()
		err := db.x.GetContext(ctx, &byA, `SELECT COUNT(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, pidA)
		if err == nil {
			err = db.x.GetContext(ctx, &onA, `SELECT COUNT(*) FROM pg_locks
				WHERE locktype = 'advisory' AND NOT granted AND classid = 7310212 AND objsubid = 2
				AND objid::bigint = (hashtext($1)::bigint + 4294967296) % 4294967296
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, a)
		}
		if err != nil {
			t.Fatal(err)
		}
		return byA, onA
	}
	// A's first batch is inside its transaction with A's lock: B's batch
	// takes its own lock and commits, never waiting for A's.
	doneB := make(chan error, 1)
	go func() { _, err := db.Ingest(ctx, batch(b, 0)); doneB <- err }()
	for waitB := true; waitB; {
		select {
		case err := <-doneB:
			if err != nil {
				t.Fatalf("device B while device A's batch is held: %v", err)
			}
			waitB = false
		default:
			if n, _ := blocked(); n > 0 {
				close(hold)
				t.Fatalf("device B's batch waits for a lock device A's batch holds")
			}
			time.Sleep(5 * time.Millisecond) // polling the catalog; no assertion on time
		}
	}
	if got := <-locked; !slices.Equal(got, []string{b}) {
		t.Fatalf("B's batch locked %v", got)
	}
	// A second batch of A waits for A's lock.
	go ingest(batch(a, 2))
	for {
		if byA, onA := blocked(); byA > 0 && onA > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the second batch of device A finished (%v) while the first held A's lock", err)
		case got := <-locked:
			t.Fatalf("the second batch of device A took the locks %v while the first held A's lock", got)
		default:
		}
		time.Sleep(5 * time.Millisecond) // polling the catalog; no assertion on time
	}
	close(hold)
	for i := 0; i < 2; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if got := <-locked; !slices.Equal(got, []string{a}) {
		t.Fatalf("second batch of A locked %v", got)
	}
	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT COUNT(*) FROM monitoring_packets`); err != nil || n != 6 {
		t.Errorf("%d packets stored (%v), want 6", n, err)
	}
}

// TestIngestLocksEveryDeviceOfABatch: a batch of several devices holds
// the lock of each (a resend of any of them waits), taken in one
// statement in hash order.
func TestIngestLocksEveryDeviceOfABatch(t *testing.T) {
	db := benchPostgres(t)
	ctx := context.Background()
	var rnd [4]byte
	rand.Read(rnd[:])
	mns := []string{"MN-M1" + hex.EncodeToString(rnd[:]), "MN-M2" + hex.EncodeToString(rnd[:]), "MN-M3" + hex.EncodeToString(rnd[:])}
	var in []Incoming
	for _, mn := range mns {
		frames, _, err := reconciletest.Month(reconciletest.Device{MN: mn, Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-02")
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, Incoming{Packet: hj212.Parse(frames[0], hj212.Options{Lenient: true}), Origin: "lock test"})
	}
	held := make(chan int, 1)
	ingestLocked = func(*Tx, []string) {
		var n int
		// From another connection: the locks this batch's transaction holds.
		if err := db.x.GetContext(ctx, &n, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 7310212
			AND objid::bigint IN (SELECT (hashtext(m)::bigint + 4294967296) % 4294967296 FROM unnest($1::text[]) AS u(m))
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, pq.Array(mns)); err != nil {
			t.Error(err)
		}
		held <- n
	}
	t.Cleanup(func() { ingestLocked = nil })
	if _, err := db.Ingest(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n := <-held; n != len(mns) {
		t.Errorf("%d device locks held by a batch of %d devices", n, len(mns))
	}
}

// TestIngestOddYears (PostgreSQL): a device whose clock says year 0001 or
// 9999 gets its partitions like any other month (the last month runs to
// MAXVALUE); its batch is stored, not refused.
func TestIngestOddYears(t *testing.T) {
	db := benchPostgres(t)
	ctx := context.Background()
	var in []Incoming
	for _, dt := range []string{"00010101000000", "99991231230000", "99991130230000"} {
		raw, err := hj212.Encode([]hj212.Field{{Key: "QN", Value: dt + "000"}, {Key: "ST", Value: "31"}, {Key: "CN", Value: "2061"},
			{Key: "PW", Value: "123456"}, {Key: "MN", Value: "MN-ODD"}, {Key: "Flag", Value: "4"}},
			[][]hj212.Field{{{Key: "DataTime", Value: dt}}, {{Key: "a21026-Avg", Value: "1.0"}}})
		if err != nil {
			t.Fatal(err)
		}
		p := hj212.Parse(raw, hj212.Options{Lenient: true})
		if valueMonth(p) == "" {
			continue // the parser does not take this year: nothing to store
		}
		in = append(in, Incoming{Packet: p, Origin: "odd"})
	}
	if len(in) == 0 {
		t.Skip("the parser takes none of these years")
	}
	t.Logf("%d of 3 packets with a value month", len(in))
	st, err := db.Ingest(ctx, in)
	if err != nil || st.Stored != len(in) {
		t.Fatalf("%+v %v", st, err)
	}
	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT COUNT(*) FROM monitoring_values`); err != nil || n != len(in) {
		t.Errorf("%d values (%v), want %d", n, err, len(in))
	}
}
