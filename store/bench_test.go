package store

// Benchmarks of the monitoring pipeline, each against a ceiling measured
// in the same run (docs/monitoring.md records the figures):
//
//	go test ./store -run XXX -bench ParseRatio
//	ECOTAX_TEST_DATABASE_URL=… go test ./store -run XXX -bench IngestPG -benchtime 3x
//
// The reconciliation of 10 000 taxpayers is timed in package app
// (BenchmarkReconcile10k), which runs it.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
)

// benchPostgres opens a migrated store in a schema of its own in the
// database named by ECOTAX_TEST_DATABASE_URL (skipping without one), as
// storetest does; storetest itself cannot be imported from package store.
func benchPostgres(b testing.TB) *DB {
	db := openPGSchema(b)
	if err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return db
}

// openPGSchema opens a store, not migrated, in a new schema of its own
// (dropped at the end) in the database named by ECOTAX_TEST_DATABASE_URL.
func openPGSchema(b testing.TB) *DB {
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
// check under the devices' advisory locks, COPY of packets and values
// into the monthly partitions, dirty marks) against plain lib/pq COPYs
// (pq.CopyIn and one Exec per row, the decimals as
// decimal.NullDecimal, as documented) of the same rows in the same run:
//
//   - copy: the value rows into a plain table of the values' columns and
//     key (LIKE monitoring_values INCLUDING ALL: no partitions), the
//     comparison of issue 14;
//   - copy-part: the value rows into a table partitioned as
//     monitoring_values (by month, then raw/rest by CN) with its key;
//   - copy-all: the packets (with their bytes) into a table like
//     monitoring_packets with its keys and indexes, then the value rows as
//     copy-part: every row ingest writes, without its checks.
//
// Each batch of 1000 packets goes through all four before the next, in
// an order that rotates from batch to batch, so all see the same minutes
// of a shared machine. The months' partitions are made before the timer
// (once a month per process in service). Besides wall time it reports
// the CPU each used on both sides: this process's, and the database
// backend's (its /proc stat, when the server runs on this machine; the
// pool has one connection, so one backend does all the work), whose sum
// is what a busy machine pays and is steadier than wall time under load.
func BenchmarkIngestPG(b *testing.B) {
	db := benchPostgres(b)
	ctx := context.Background()
	db.x.SetMaxOpenConns(1)
	var pid int
	if err := db.x.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
		b.Fatal(err)
	}
	_, backendOK := backendCPU(pid)
	months := []string{"2024-01", "2024-02"}
	setup := []string{
		`CREATE TABLE bench_copy (LIKE monitoring_values INCLUDING ALL)`,
		`CREATE TABLE bench_packets (LIKE monitoring_packets INCLUDING ALL)`,
	}
	for _, t := range []string{"bench_part", "bench_all"} {
		setup = append(setup, `CREATE TABLE `+t+` (LIKE monitoring_values INCLUDING ALL) PARTITION BY RANGE (month)`)
		for k, m := range months {
			p := t + "_" + strings.ReplaceAll(m, "-", "_")
			next := "2024-03"
			if k == 0 {
				next = months[1]
			}
			setup = append(setup, fmt.Sprintf(`CREATE TABLE %s PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s') PARTITION BY LIST (cn)`, p, t, m, next),
				`CREATE TABLE `+p+`_raw PARTITION OF `+p+` FOR VALUES IN ('2011', '2051')`,
				`CREATE TABLE `+p+`_rest PARTITION OF `+p+` DEFAULT`)
		}
	}
	for _, q := range setup {
		if _, err := db.x.ExecContext(ctx, q); err != nil {
			b.Fatal(q, err)
		}
	}
	if err := db.EnsureMonths(ctx, months...); err != nil {
		b.Fatal(err)
	}
	opt := hj212.Options{Lenient: true}
	names := []string{"ingest", "copy", "copy-part", "copy-all"}
	wall := make([]time.Duration, len(names))
	cpu := make([]time.Duration, len(names))
	dbCPU := make([]time.Duration, len(names))
	rowsTotal, turn := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		// A new device each time, so nothing is a resend.
		var batch []Incoming
		for _, m := range months {
			frames, _, err := reconciletest.Month(benchDevice(fmt.Sprintf("MN-B%04d", i)), m)
			if err != nil {
				b.Fatal(err)
			}
			for _, raw := range frames {
				batch = append(batch, Incoming{Packet: hj212.Parse(raw, opt), Origin: "bench"})
			}
		}
		var rows []*packetRow
		var nums [][]decimal.NullDecimal // the plain COPYs' values, built untimed
		for j, in := range batch {
			r := rowOf(in, time.Now())
			r.id = int64(i*100000 + j)
			rows = append(rows, r)
			rowsTotal += len(r.values)
			ns := make([]decimal.NullDecimal, len(r.values))
			for c := range r.values {
				ns[c] = r.values[c].decimal()
			}
			nums = append(nums, ns)
		}
		b.StartTimer()
		for k := 0; k < len(batch); k += 1000 {
			hi := min(k+1000, len(batch))
			copyValues := func(tx *Tx, table string) error {
				type ref struct{ r, v int }
				var refs []ref
				for a := k; a < hi; a++ {
					for c := range rows[a].values {
						refs = append(refs, ref{a, c})
					}
				}
				return tx.copyIn(table, valueCols, len(refs), func(x int) []any {
					r := rows[refs[x].r]
					v := &r.values[refs[x].v]
					return []any{r.id, v.seq, r.mn, r.cn, r.month, r.dataTime, v.code, v.suffix, v.value, nums[refs[x].r][refs[x].v]}
				})
			}
			run := map[string]func() error{
				"ingest": func() error { _, err := db.Ingest(ctx, batch[k:hi]); return err },
				"copy": func() error {
					return db.InTx(ctx, func(tx *Tx) error { return copyValues(tx, "bench_copy") })
				},
				"copy-part": func() error {
					return db.InTx(ctx, func(tx *Tx) error { return copyValues(tx, "bench_part") })
				},
				"copy-all": func() error {
					return db.InTx(ctx, func(tx *Tx) error {
						err := tx.copyIn("bench_packets", packetCols, hi-k, func(x int) []any {
							r := rows[k+x]
							return []any{r.id, r.hash, r.raw, r.received, r.origin, r.verdict, r.reason, r.problems, r.warnings,
								r.qn, r.cn, r.mn, r.flag, r.dataTime, r.month, r.pairs, r.note}
						})
						if err != nil {
							return err
						}
						return copyValues(tx, "bench_all")
					})
				},
			}
			for n := range names {
				c := (n + turn) % len(names)
				d0, _ := backendCPU(pid)
				t0, c0 := time.Now(), cpuTime()
				if err := run[names[c]](); err != nil {
					b.Fatal(names[c], err)
				}
				wall[c] += time.Since(t0)
				cpu[c] += cpuTime() - c0
				d1, _ := backendCPU(pid)
				dbCPU[c] += d1 - d0
			}
			turn++
		}
	}
	for c, name := range names {
		b.ReportMetric(float64(rowsTotal)/wall[c].Seconds(), name+"-rows/s")
		b.ReportMetric(cpu[c].Seconds()*1e6/float64(rowsTotal), name+"-cpu-µs/row")
		if c > 0 {
			b.ReportMetric(wall[c].Seconds()/wall[0].Seconds(), "ingest/"+name)
		}
		if backendOK {
			b.ReportMetric(dbCPU[c].Seconds()*1e6/float64(rowsTotal), name+"-db-cpu-µs/row")
			if c > 0 {
				b.ReportMetric((cpu[c]+dbCPU[c]).Seconds()/(cpu[0]+dbCPU[0]).Seconds(), "cpu:ingest/"+name)
			}
		}
	}
}

// backendCPU is the CPU time (user + system) a PostgreSQL backend on
// this machine has used, from /proc (clock ticks of 10 ms); false when
// it cannot be read (the server elsewhere, another user's process).
func backendCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0, false
	}
	f := strings.Fields(s[i+2:]) // from field 3 (state) on
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	k, err2 := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+k) * 10 * time.Millisecond, true
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
