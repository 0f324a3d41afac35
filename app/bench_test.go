package app

// The reconciliation of a region of 10 000 taxpayers, end to end through
// the operation (docs/monitoring.md records the figures):
//
//	ECOTAX_TEST_DATABASE_URL=… go test ./app -run XXX -bench Reconcile10k -benchtime 1x -timeout 30m -v

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// BenchmarkReconcile10k: a reconciliation of 10 000 taxpayers × 3 months
// × 8 pollutants end to end (Service.RunReconciliation: load side by
// side, reconcile on every core while the items are written, peers,
// store the results and flags), against its own compute part alone (the
// reconciliation of the loaded inputs on every core: both sides of every
// taxpayer) measured in the same run. The parts are then timed one after
// the other (load, reconcile, peers, save without the overlap) for the
// record.
func BenchmarkReconcile10k(b *testing.B) {
	db := storetest.OpenPostgres(b)
	ctx := context.Background()
	tables, err := LoadTables()
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(Deps{Store: db, Tables: tables})
	if err != nil {
		b.Fatal(err)
	}
	per, _ := filing.ParsePeriod("2024-Q1")
	r, err := reconcile.New(tables.Engine, tables.Reconcile, per)
	if err != nil {
		b.Fatal(err)
	}
	n := 10000
	t0 := time.Now()
	storetest.Reconcile10k(b, db, r.Codes, n)
	b.Logf("setup: %d taxpayers written in %s", n, time.Since(t0).Round(time.Millisecond))
	asOf := per.End().AddDays(40)
	sc := store.Scope{Period: per, Region: "500000", RegionPrefix: "50", Deadline: per.End().AddDays(15), AsOf: asOf}
	admin := filing.Principal{Role: filing.RoleAdmin}
	var tAll, tCompute, cpuAll time.Duration
	items, flags := 0, 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t1, c1 := time.Now(), cpuTime()
		cr, err := s.RunReconciliation(ctx, admin, Idem{}, RunRequest{Period: per.Text, Region: "500000", AsOf: filing.DateOf(asOf)})
		if err != nil {
			b.Fatal(err)
		}
		tAll += time.Since(t1)
		cpuAll += cpuTime() - c1
		items, flags = cr.Value.Run.Items, cr.Value.Run.Flags
		b.StopTimer()
		// The same run in its parts, for the record.
		tl := time.Now()
		ins, err := s.loadInputs(ctx, sc)
		if err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		results, err := startReconcile(ctx, r, ins).all()
		if err != nil {
			b.Fatal(err)
		}
		tCompute += time.Since(t2)
		t3 := time.Now()
		reconcile.Peers(results, r.Set, sc.AsOf)
		t4 := time.Now()
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.SaveRun(&store.Run{Period: sc.Period.Text, Region: sc.Region, AsOf: filing.DateOf(sc.AsOf), CreatedBy: "bench"}, r.Set, results)
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

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestReconcileScale: a run over ECOTAX_RECONCILE_N taxpayers × 3 months
// × 8 pollutants (Reconcile10k's data) through RunReconciliation, with
// its time and the process's peak RSS during the run (VmHWM, reset after
// the setup). Skipped unless ECOTAX_RECONCILE_N is set (PostgreSQL):
//
//	ECOTAX_RECONCILE_N=100000 go test ./app -run TestReconcileScale -v -timeout 60m
//
// (the DSN may need a longer statement_timeout for the setup's COPY on a
// loaded machine, e.g. &statement_timeout=1800000). Its connections carry
// an application_name of their own, so that the CPU time of its
// PostgreSQL backends is reported too. ECOTAX_RECONCILE_SLICE sets the
// size of a large run's slices; GOGC=400 GOMEMLIMIT=250MiB reproduce
// what `ecotax reconcile run` sets (cmd/ecotax reconcileHeap).
func TestReconcileScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ECOTAX_RECONCILE_N"))
	if n <= 0 {
		t.Skip("set ECOTAX_RECONCILE_N for the reconciliation scale test")
	}
	// The test's own schema, its connections named after it, so that
	// the CPU time of its PostgreSQL backends can be told from others'.
	dsn := storetest.PostgresSchemaURL(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	appName := "rc-scale-" + strconv.Itoa(os.Getpid())
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()
	ctx := context.Background()
	db, err := store.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tables, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	storetest.Reconcile10k(t, db, reconcile.NewCodes(tables.Engine.Tables().HJ212, tables.Engine.Names()), n)
	t.Logf("setup: %d taxpayers written in %s", n, time.Since(t0).Round(time.Millisecond))
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("cannot reset the peak RSS: %v", err)
	}
	before := vmHWM()
	load0, _ := os.ReadFile("/proc/loadavg")
	// ECOTAX_RECONCILE_SLICE: another size of a large run's slices, for
	// comparing.
	if k, _ := strconv.Atoi(os.Getenv("ECOTAX_RECONCILE_SLICE")); k > 0 {
		defer func(old int) { reconcileBulk = old }(reconcileBulk)
		reconcileBulk = k
	}
	pg := startBackendCPU(db, appName)
	t1, c1 := time.Now(), cpuTime()
	var progress []string
	heapWritten := false
	cr, err := s.RunReconciliation(ctx, filing.Principal{Role: filing.RoleAdmin}, Idem{}, RunRequest{Period: "2024-Q1", Region: "500000", AsOf: "2024-05-10",
		Progress: func(done, total int) {
			if done == total || done%(10*reconcileSlice) == 0 || os.Getenv("ECOTAX_RECONCILE_TRACE") != "" {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				progress = append(progress, fmt.Sprintf("%d/%d at %s (rss peak %d MB, heap in use %d MB)", done, total,
					time.Since(t1).Round(time.Second), vmHWM()>>20, ms.HeapInuse>>20))
			}
			// ECOTAX_RECONCILE_HEAP=file: a heap profile half-way through.
			if f := os.Getenv("ECOTAX_RECONCILE_HEAP"); f != "" && done >= total/2 && !heapWritten {
				heapWritten = true
				if out, err := os.Create(f); err == nil {
					pprof.WriteHeapProfile(out)
					out.Close()
				}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	el, cpu := time.Since(t1), cpuTime()-c1
	dbCPU, backends, each := pg.stop()
	load1, _ := os.ReadFile("/proc/loadavg")
	t.Logf("database CPU %s in %d backends (sampled every 200 ms: a backend's last 200 ms may be missed): %s", dbCPU.Round(time.Millisecond), backends, each)
	t.Logf("run from %s to %s UTC", t1.UTC().Format("15:04:05.0"), t1.Add(el).UTC().Format("15:04:05.0"))
	t.Logf("progress: %s", strings.Join(progress, "; "))
	t.Logf("%d taxpayers, %d items, %d flags: %s (cpu %s), peak RSS %d MB (%d MB after setup); load %s → %s; slice %d, procs %d",
		cr.Value.Run.Taxpayers, cr.Value.Run.Items, cr.Value.Run.Flags, el.Round(time.Millisecond), cpu.Round(time.Millisecond),
		vmHWM()>>20, before>>20, strings.TrimSpace(string(load0)), strings.TrimSpace(string(load1)), reconcileBulk, runtime.GOMAXPROCS(0))
	if cr.Value.Run.Items != n*24 {
		t.Errorf("%d items, want %d", cr.Value.Run.Items, n*24)
	}
}

// vmHWM is the process's peak resident set size in bytes.
func vmHWM() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// backendCPU samples the CPU time (utime + stime in /proc/<pid>/stat) of
// the PostgreSQL backends whose application_name is name, every 200 ms
// from start to stop: what they used in between is the sum over the
// backends of the last sample less the first (0 for a backend that began
// after the start). The database runs on this machine.
type backendCPU struct {
	done  chan struct{}
	wg    sync.WaitGroup
	first map[int]time.Duration
	last  map[int]time.Duration
}

func startBackendCPU(db *store.DB, name string) *backendCPU {
	b := &backendCPU{done: make(chan struct{}), first: map[int]time.Duration{}, last: map[int]time.Duration{}}
	sample := func(initial bool) {
		rows, err := db.SQL().Query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, name)
		if err != nil {
			return
		}
		defer rows.Close()
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) != nil {
				continue
			}
			v, ok := procCPU(pid)
			if !ok {
				continue
			}
			if _, seen := b.first[pid]; !seen {
				if initial {
					b.first[pid] = v
				} else {
					b.first[pid] = 0
				}
			}
			b.last[pid] = v
		}
	}
	sample(true)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-b.done:
				sample(false)
				return
			case <-tick.C:
				sample(false)
			}
		}
	}()
	return b
}

func (b *backendCPU) stop() (time.Duration, int, string) {
	close(b.done)
	b.wg.Wait()
	var sum time.Duration
	var each []string
	for pid, v := range b.last {
		sum += v - b.first[pid]
		each = append(each, fmt.Sprintf("%d: %s→%s", pid, b.first[pid], v))
	}
	sort.Strings(each)
	return sum, len(b.last), strings.Join(each, ", ")
}

// procCPU is a process's user + system CPU time (clock ticks of 10 ms).
func procCPU(pid int) (time.Duration, bool) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')') // the command may hold spaces
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond, true
}
