package store

// Benchmarks of the monitoring pipeline, each against a ceiling measured
// in the same run (docs/monitoring.md records the figures):
//
//	go test ./store -run XXX -bench ParseRatio
//	ECOTAX_TEST_DATABASE_URL=… go test ./store -run XXX -bench IngestPG -benchtime 3x
//	ECOTAX_TEST_DATABASE_URL=… go test ./store -run XXX -bench Reconcile10k -benchtime 1x -timeout 30m

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// benchPostgres opens a migrated store in a schema of its own in the
// database named by ECOTAX_TEST_DATABASE_URL (skipping without one), as
// storetest does; storetest itself cannot be imported from package store.
func benchPostgres(b testing.TB) *DB {
	base := os.Getenv("ECOTAX_TEST_DATABASE_URL")
	if base == "" {
		b.Skip("ECOTAX_TEST_DATABASE_URL not set")
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "ecotax_bench_" + hex.EncodeToString(rnd[:])
	admin, err := sql.Open("postgres", base)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(context.Background(), u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// benchDevice sends eight factors an hour (a stack analyser and a few
// more), about 650 bytes a packet.
func benchDevice(mn string) reconciletest.Device {
	return reconciletest.Device{MN: mn, Flags: map[int]string{5: "D", 6: "M"}, Factors: []reconciletest.Factor{
		{Code: "a21026", CouMilli: 1600, AvgTenths: 1200}, {Code: "a21002", CouMilli: 1050, AvgTenths: 900},
		{Code: "a21005", CouMilli: 300, AvgTenths: 100}, {Code: "a21024", CouMilli: 20, AvgTenths: 50},
		{Code: "a34013", CouMilli: 400, AvgTenths: 150}, {Code: "a00000", CouMilli: 9000000, AvgTenths: 10},
		{Code: "a19001", CouMilli: 0, AvgTenths: 60}, {Code: "a01012", CouMilli: 0, AvgTenths: 1200},
	}}
}

// BenchmarkParseRatio: packets decoded and turned into stored rows (hash,
// verdict, value rows) per second per core, against framing alone
// (hj212.Frame.Parse: framing, length, CRC, pair offsets) on the same
// packets in the same loop.
func BenchmarkParseRatio(b *testing.B) {
	frames, _, err := reconciletest.Month(benchDevice("MN-BENCH"), "2024-01")
	if err != nil {
		b.Fatal(err)
	}
	opt := hj212.Options{Lenient: true}
	var f hj212.Frame
	var tFrame, tFull time.Duration
	rows := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		for _, raw := range frames {
			f.Parse(raw, opt)
		}
		t1 := time.Now()
		for _, raw := range frames {
			r := rowOf(Incoming{Packet: hj212.Parse(raw, opt), Origin: "bench"}, t0)
			rows += len(r.values)
		}
		tFull += time.Since(t1)
		tFrame += t1.Sub(t0)
	}
	n := float64(b.N * len(frames))
	b.ReportMetric(float64(tFrame.Nanoseconds())/n, "frame-ns/packet")
	b.ReportMetric(float64(tFull.Nanoseconds())/n, "ingest-ns/packet")
	b.ReportMetric(n/tFull.Seconds(), "packets/s")
	b.ReportMetric(float64(tFull)/float64(tFrame), "ingest/frame")
	_ = rows
}

// BenchmarkIngestPG: value rows per second through Ingest (duplicate
// check under the advisory lock, COPY of packets and values, dirty marks)
// against a plain COPY of the same value rows into a table of the same
// shape, in batches of 1000 packets, in the same run.
func BenchmarkIngestPG(b *testing.B) {
	db := benchPostgres(b)
	ctx := context.Background()
	if _, err := db.x.ExecContext(ctx, `CREATE TABLE bench_copy (LIKE monitoring_values INCLUDING ALL)`); err != nil {
		b.Fatal(err)
	}
	opt := hj212.Options{Lenient: true}
	var tIngest, tCopy, cpuIngest, cpuCopy time.Duration
	rowsTotal := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A new device each time, so nothing is a resend.
		var batch []Incoming
		for _, m := range []string{"2024-01", "2024-02"} {
			frames, _, err := reconciletest.Month(benchDevice(fmt.Sprintf("MN-B%04d", i)), m)
			if err != nil {
				b.Fatal(err)
			}
			for _, raw := range frames {
				batch = append(batch, Incoming{Packet: hj212.Parse(raw, opt), Origin: "bench"})
			}
		}
		var rows []*packetRow
		for j, in := range batch {
			r := rowOf(in, time.Now())
			r.id = int64(i*100000 + j)
			rows = append(rows, r)
			rowsTotal += len(r.values)
		}
		b.StartTimer()
		t0, c0 := time.Now(), cpuTime()
		for k := 0; k < len(batch); k += 1000 {
			if _, err := db.Ingest(ctx, batch[k:min(k+1000, len(batch))]); err != nil {
				b.Fatal(err)
			}
		}
		t1, c1 := time.Now(), cpuTime()
		cpuIngest += c1 - c0
		for k := 0; k < len(rows); k += 1000 {
			part := rows[k:min(k+1000, len(rows))]
			err := db.InTx(ctx, func(tx *Tx) error {
				type ref struct{ r, v int }
				var refs []ref
				for a, r := range part {
					for c := range r.values {
						refs = append(refs, ref{a, c})
					}
				}
				return tx.copyIn("bench_copy", valueCols, len(refs), func(x int) []any {
					r := part[refs[x].r]
					v := &r.values[refs[x].v]
					return []any{r.id, v.seq, r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, v.num}
				})
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		tCopy += time.Since(t1)
		cpuCopy += cpuTime() - c1
		tIngest += t1.Sub(t0)
	}
	b.ReportMetric(cpuIngest.Seconds()*1e6/float64(rowsTotal), "ingest-cpu-µs/row")
	b.ReportMetric(cpuCopy.Seconds()*1e6/float64(rowsTotal), "copy-cpu-µs/row")
	b.ReportMetric(float64(rowsTotal)/tIngest.Seconds(), "ingest-rows/s")
	b.ReportMetric(float64(rowsTotal)/tCopy.Seconds(), "copy-rows/s")
	b.ReportMetric(tCopy.Seconds()/tIngest.Seconds(), "ingest/copy")
}

// reconcile10k writes a region of n taxpayers straight into the tables
// (COPY): 8 sources each (4 air pollutants at DA001, 4 water at DW001),
// a submitted 2024-Q1 declaration and one for 2023-Q1, two device
// mappings, the monthly figures of both for the quarter (about one item
// in ten monitored 30 % above the declaration, one in fifty incomplete)
// and the output of each month.
func reconcile10k(b *testing.B, db *DB, codes *reconcile.Codes, n int) {
	ctx := context.Background()
	air := []string{"a21026", "a21002", "a21005", "a21024"}
	water := []string{"w01018", "w21003", "w01012", "w20123"}
	now := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	months := []string{"2024-01", "2024-02", "2024-03"}
	lastYear := []string{"2023-01", "2023-02", "2023-03"}
	name := func(code string) string {
		p, ok := codes.Pollutant(code)
		if !ok || p == nil {
			b.Fatalf("code %s does not map to a taxable pollutant", code)
		}
		return p.Name
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		cc := func(i int) string { return fmt.Sprintf("91500000MA%08d", i) }
		if err := tx.copyIn("taxpayers", []string{"credit_code", "name", "region", "industry", "version", "created_at", "updated_at"}, n, func(i int) []any {
			return []any{cc(i), fmt.Sprintf("企业%05d", i), fmt.Sprintf("5001%02d", 1+i%38), fmt.Sprintf("%d", 2600+i%10), 1, now, now}
		}); err != nil {
			return err
		}
		codesAll := append(append([]string{}, air...), water...)
		if err := tx.copyIn("tax_sources", []string{"id", "credit_code", "outlet_no", "outlet_name", "kind", "pollutant", "method", "valid_from", "version", "created_at", "updated_at"}, n*8, func(k int) []any {
			i, j := k/8, k%8
			outlet, kind, method := "DA001", "air", "automatic"
			if j >= 4 {
				outlet, kind, method = "DW001", "water", "automatic"
			}
			return []any{k + 1, cc(i), outlet, outlet, kind, name(codesAll[j]), method, "2018-01-01", 1, now, now}
		}); err != nil {
			return err
		}
		// Declarations: ids 1..n for 2024-Q1, n+1..2n for 2023-Q1, drafts
		// until their figures are in (the trigger allows figures on drafts only).
		if err := tx.copyIn("declarations", []string{"id", "credit_code", "period", "revision", "status", "version", "deadline", "created_at", "updated_at"}, 2*n, func(k int) []any {
			per, dl := "2024-Q1", "2024-04-15"
			if k >= n {
				per, dl = "2023-Q1", "2023-04-15"
			}
			return []any{k + 1, cc(k % n), per, 1, "draft", 1, dl, now, now}
		}); err != nil {
			return err
		}
		declared := func(i, j, m int) decimal.Decimal { return decimal.New(int64(1000+37*((i+j+m)%50)), -1) }
		if err := tx.copyIn("declaration_figures", []string{"declaration_id", "line", "source_id", "month", "emission_kg"}, 2*n*24, func(k int) []any {
			d, l := k/24, k%24
			i, j, m := d%n, l%8, l/8
			month := months[m]
			kg := declared(i, j, m)
			if d >= n {
				month = lastYear[m]
				kg = kg.Mul(decimal.RequireFromString("1.1"))
			}
			return []any{d + 1, l, i*8 + j + 1, month, kg}
		}); err != nil {
			return err
		}
		if _, err := tx.x.ExecContext(ctx, `UPDATE declarations SET status = 'submitted', total_tax = 0, submitted_at = $1`, now); err != nil {
			return err
		}
		if err := tx.copyIn("monitoring_devices", []string{"id", "mn", "credit_code", "outlet_no", "valid_from", "note", "version", "created_at", "updated_at"}, 2*n, func(k int) []any {
			i, outlet := k/2, "DA001"
			if k%2 == 1 {
				outlet = "DW001"
			}
			return []any{k + 1, fmt.Sprintf("MN%08d%s", i, outlet), cc(i), outlet, "2023-01-01", "", 1, now, now}
		}); err != nil {
			return err
		}
		cols := []string{"mn", "month", "device_id", "code", "basis", "total", "total_count", "avg_sum", "avg_count", "mean", "max", "max_at",
			"test_sum", "test_count", "test_mean", "test_max", "test_max_at", "zs_count", "valid", "units", "completeness", "duplicates",
			"lenient", "excluded", "detail", "computed_at"}
		if err := tx.copyIn("monitoring_monthly", cols, n*24, func(k int) []any {
			i, rest := k/24, k%24
			m, j := rest/8, rest%8
			dev, code, basis, units := 2*i+1, air[j%4], "hour", 24*[]int{31, 29, 31}[m]
			outlet := "DA001"
			if j >= 4 {
				dev, code, basis, units, outlet = 2*i+2, water[j-4], "day", []int{31, 29, 31}[m], "DW001"
			}
			total := declared(i, j, m)
			if (i+j+m)%10 == 0 {
				total = total.Mul(decimal.RequireFromString("1.3"))
			}
			valid := units
			if (i+j+m)%50 == 7 {
				valid = units * 8 / 10
			}
			z := decimal.Zero
			return []any{fmt.Sprintf("MN%08d%s", i, outlet), months[m], dev, code, basis, total, valid, z, 0, z, z, "", z, 0, z, z, "", 0,
				valid, units, decimal.NewFromInt(int64(valid)).DivRound(decimal.NewFromInt(int64(units)), 4), 0, 0, units - valid, "{}", now}
		}); err != nil {
			return err
		}
		return tx.copyIn("production_outputs", []string{"credit_code", "month", "product", "unit", "quantity", "version", "created_at", "updated_at"}, n*3, func(k int) []any {
			return []any{cc(k / 3), months[k%3], "产品", "t", decimal.NewFromInt(int64(500 + (k/3)%300)), 1, now, now}
		})
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, seq := range []string{"tax_sources", "declarations", "monitoring_devices"} {
		if _, err := db.x.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT MAX(id) FROM %s))`, seq, seq)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.x.ExecContext(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReconcile10k: a reconciliation of 10 000 taxpayers × 3 months
// × 8 pollutants end to end (DB.Reconcile: load, reconcile on every core
// while the items are written, peers, store the results and flags),
// against its own compute part alone (ReconcileAll on the loaded inputs:
// both sides of every taxpayer) measured in the same run. The parts are
// then timed one after the other (load, reconcile, peers, save without
// the overlap) for the record.
func BenchmarkReconcile10k(b *testing.B) {
	db := benchPostgres(b)
	ctx := context.Background()
	tables, err := fixtures.Load()
	if err != nil {
		b.Fatal(err)
	}
	eng, err := calc.NewEngine(tables)
	if err != nil {
		b.Fatal(err)
	}
	ps, err := fixtures.LoadReconcile()
	if err != nil {
		b.Fatal(err)
	}
	per, _ := filing.ParsePeriod("2024-Q1")
	r, err := reconcile.New(eng, ps, per)
	if err != nil {
		b.Fatal(err)
	}
	n := 10000
	t0 := time.Now()
	reconcile10k(b, db, r.Codes, n)
	b.Logf("setup: %d taxpayers written in %s", n, time.Since(t0).Round(time.Millisecond))
	sc := Scope{Period: per, Region: "500000", RegionPrefix: "50", Deadline: per.End().AddDays(15), AsOf: per.End().AddDays(40)}
	var tAll, tCompute, cpuAll time.Duration
	items, flags := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t1, c1 := time.Now(), cpuTime()
		run, _, err := db.Reconcile(ctx, r, sc, "bench")
		if err != nil {
			b.Fatal(err)
		}
		tAll += time.Since(t1)
		cpuAll += cpuTime() - c1
		items, flags = run.Items, run.Flags
		b.StopTimer()
		// The same run in its parts, for the record.
		var results []*reconcile.Result
		tl := time.Now()
		ins, err := db.reconcileInputs(ctx, sc)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		if results, err = ReconcileAll(ctx, r, ins); err != nil {
			b.Fatal(err)
		}
		tCompute += time.Since(t2)
		t3 := time.Now()
		reconcile.Peers(results, r.Set, sc.AsOf)
		t4 := time.Now()
		if err := db.InTx(ctx, func(tx *Tx) error {
			return tx.SaveRun(&Run{Period: sc.Period.Text, Region: sc.Region, AsOf: filing.DateOf(sc.AsOf), CreatedBy: "bench"}, r.Set, results)
		}); err != nil {
			b.Fatal(err)
		}
		b.Logf("parts: load %s, reconcile %s, peers %s, save %s", t2.Sub(tl).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond),
			t4.Sub(t3).Round(time.Millisecond), time.Since(t4).Round(time.Millisecond))
		b.StartTimer()
	}
	b.ReportMetric(tAll.Seconds()/float64(b.N), "s/run")
	b.ReportMetric(cpuAll.Seconds()/float64(b.N), "cpu-s/run")
	b.ReportMetric(tCompute.Seconds()/float64(b.N), "compute-s/run")
	b.ReportMetric(tAll.Seconds()/tCompute.Seconds(), "run/compute")
	b.ReportMetric(float64(items), "items")
	b.ReportMetric(float64(flags), "flags")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
	if items != n*24 {
		b.Errorf("%d items, want %d", items, n*24)
	}
}

// BenchmarkParseOnly splits the ingest step: hj212.Parse alone on the same
// packets (the rest of ingest-ns/packet is hashing and building rows).
func BenchmarkParseOnly(b *testing.B) {
	frames, _, err := reconciletest.Month(benchDevice("MN-BENCH"), "2024-01")
	if err != nil {
		b.Fatal(err)
	}
	opt := hj212.Options{Lenient: true}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, raw := range frames {
			hj212.Parse(raw, opt)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "parse-ns/packet")
}

// BenchmarkRowsOnly: hashing and building the rows of parsed packets.
func BenchmarkRowsOnly(b *testing.B) {
	frames, _, err := reconciletest.Month(benchDevice("MN-BENCH"), "2024-01")
	if err != nil {
		b.Fatal(err)
	}
	var pkts []*hj212.Packet
	for _, raw := range frames {
		pkts = append(pkts, hj212.Parse(raw, hj212.Options{Lenient: true}))
	}
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range pkts {
			rowOf(Incoming{Packet: p, Origin: "bench"}, now)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "rows-ns/packet")
}

// cpuTime is the CPU time (user + system) this process has used: on a
// machine shared with other work, wall time says little, CPU time more.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
