package listener

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// The tests here use a real database (SQLite, and PostgreSQL when
// ECOTAX_TEST_DATABASE_URL is set). The long ones (5,000 connections, the
// back-fill burst against the import path) run only with
// ECOTAX_LISTENER_BENCH=1; the kill -9 test always runs.

var operator = filing.Principal{Role: filing.RoleAdmin}

func newService(t testing.TB, db *store.DB) *app.Service {
	t.Helper()
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func benchOnly(t *testing.T) {
	if os.Getenv("ECOTAX_LISTENER_BENCH") != "1" {
		t.Skip("set ECOTAX_LISTENER_BENCH=1 for the listener benchmarks")
	}
}

// benchConfig: the defaults, or ECOTAX_LISTENER_BATCH / _PERCONN.
func benchConfig() Config {
	var c Config
	fmt.Sscan(os.Getenv("ECOTAX_LISTENER_BATCH"), &c.Batch)
	fmt.Sscan(os.Getenv("ECOTAX_LISTENER_PERCONN"), &c.PerConn)
	return c
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// TestBurstAgainstImport: a data logger back-filling a day of minute data
// (1,440 packets, RF=1) on one connection, answered packet by packet,
// against storing the same packets the way `ecotax import hj212` does
// (parse, app.Ingest in batches of 1,000). Rounds alternate; each uses
// devices of its own so that nothing is a duplicate.
func TestBurstAgainstImport(t *testing.T) {
	benchOnly(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		l := New(FromApp(svc, operator), benchConfig())
		addr, stop := start(t, l)
		var ratios []float64
		for round := range 3 {
			direct := minutePackets(t, fmt.Sprintf("IMP%d", round), 1440, true)
			t0 := time.Now()
			for i := 0; i < len(direct); i += 1000 {
				var batch []store.Incoming
				for _, f := range direct[i:min(i+1000, len(direct))] {
					batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "file"})
				}
				if _, _, err := svc.Ingest(context.Background(), operator, batch); err != nil {
					t.Fatal(err)
				}
			}
			imp := time.Since(t0)

			fs := minutePackets(t, fmt.Sprintf("TCP%d", round), 1440, true)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			t0 = time.Now()
			go func() {
				w := bufio.NewWriter(c)
				for _, f := range fs {
					w.Write(f)
				}
				w.Flush()
			}()
			c.SetReadDeadline(time.Now().Add(5 * time.Minute))
			readAnswers(t, bufio.NewReader(c), fs)
			tcp := time.Since(t0)
			c.Close()
			r := float64(tcp) / float64(imp)
			ratios = append(ratios, r)
			t.Logf("round %d: import %v, listener %v (1,440 packets answered), listener ÷ import %.2f, load %s",
				round, imp.Round(time.Millisecond), tcp.Round(time.Millisecond), r, loadavg())
		}
		sort.Float64s(ratios)
		t.Logf("median listener ÷ import %.2f (aim ≤ 2)", ratios[len(ratios)/2])
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestManyConnections: 5,000 data loggers connected at once, each sending
// three packets one after the other (each waits for its answer), as
// 30-second data would arrive in a burst.
func TestManyConnections(t *testing.T) {
	benchOnly(t)
	const conns, each = 5000, 3
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := newService(t, db)
		l := New(FromApp(svc, operator), Config{})
		addr, stop := start(t, l)
		var ms0 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		cs := make([]net.Conn, conns)
		t0 := time.Now()
		for i := range cs {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("connection %d: %v", i, err)
			}
			cs[i] = c
		}
		dial := time.Since(t0)
		var wg sync.WaitGroup
		var lat sync.Mutex
		var lats []time.Duration
		var bad atomic.Int64
		t0 = time.Now()
		for i, c := range cs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fs := minutePackets(t, fmt.Sprintf("MANY%05d", i), each, false)
				r := bufio.NewReader(c)
				c.SetReadDeadline(time.Now().Add(10 * time.Minute))
				for _, f := range fs {
					s := time.Now()
					if _, err := c.Write(f); err != nil {
						bad.Add(1)
						return
					}
					line, err := r.ReadBytes('\n')
					if err != nil || !strings.Contains(string(line), "CN=9014") {
						bad.Add(1)
						return
					}
					lat.Lock()
					lats = append(lats, time.Since(s))
					lat.Unlock()
				}
			}()
		}
		wg.Wait()
		total := time.Since(t0)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		for _, c := range cs {
			c.Close()
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
		if bad.Load() != 0 || len(lats) != conns*each {
			t.Fatalf("%d connections failed, %d answers", bad.Load(), len(lats))
		}
		st := l.Stats()
		t.Logf("%d connections dialled in %v; %d packets answered in %v (%.0f/s), answer latency p50 %v p99 %v max %v; "+
			"%d transactions (%.0f packets each); heap in use %d MB, goroutines %d at the end; load %s",
			conns, dial.Round(time.Millisecond), len(lats), total.Round(time.Millisecond), float64(len(lats))/total.Seconds(),
			lats[len(lats)/2].Round(time.Millisecond), lats[len(lats)*99/100].Round(time.Millisecond), lats[len(lats)-1].Round(time.Millisecond),
			st.Batches, float64(st.Stored)/float64(max(st.Batches, 1)), ms.HeapInuse>>20, runtime.NumGoroutine(), loadavg())
		if st.Stored != conns*each {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestKill9 runs a listener in a child process (this test binary), sends
// packets on several connections, kills the child with SIGKILL in the
// middle of the ingest, and checks that every packet that was answered is
// in the database.
func TestKill9(t *testing.T) {
	if os.Getenv("ECOTAX_LISTENER_CHILD") != "" {
		t.Skip("child")
	}
	t.Run(store.SQLite, func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ecotax.db")
		kill9(t, path, "sqlite", path)
	})
	t.Run(store.Postgres, func(t *testing.T) {
		u := storetest.PostgresSchemaURL(t)
		kill9(t, u, "postgres", u)
	})
}

func kill9(t *testing.T, dsn, driver, source string) {
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestListenerChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ECOTAX_LISTENER_CHILD="+dsn)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	br := bufio.NewReader(out)
	var addr string
	for addr == "" {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		addr, _ = strings.CutPrefix(strings.TrimSpace(line), "ADDR ")
	}
	go io.Copy(io.Discard, br)

	const conns, per = 8, 2000
	var mu sync.Mutex
	acked := map[string]bool{} // MN/QN
	var n atomic.Int64
	var wg sync.WaitGroup
	for k := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fs := minutePackets(t, fmt.Sprintf("KILL%d", k), per, k%2 == 0)
		go func() {
			w := bufio.NewWriter(c)
			for _, f := range fs {
				if _, err := w.Write(f); err != nil {
					return
				}
			}
			w.Flush()
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadBytes('\n')
				if err != nil {
					return
				}
				a := hj212.Parse(line, hj212.Options{})
				mu.Lock()
				acked[a.MN+"/"+a.QN] = true
				mu.Unlock()
				n.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Minute)
	for n.Load() < 1500 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 || len(acked) >= conns*per {
		t.Fatalf("%d answered: the kill did not land during the ingest", len(acked))
	}
	check, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	rows, err := check.Query("SELECT mn, qn FROM monitoring_packets")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	have := map[string]bool{}
	for rows.Next() {
		var mn, qn string
		if err := rows.Scan(&mn, &qn); err != nil {
			t.Fatal(err)
		}
		have[mn+"/"+qn] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for k := range acked {
		if !have[k] {
			lost++
		}
	}
	t.Logf("%d packets answered before the kill, %d stored, %d answered and lost", len(acked), len(have), lost)
	if lost != 0 {
		t.Errorf("%d answered packets were lost", lost)
	}
}

// TestListenerChild is the child process of TestKill9: a listener on a
// loopback port over the database ECOTAX_LISTENER_CHILD, until killed.
func TestListenerChild(t *testing.T) {
	dsn := os.Getenv("ECOTAX_LISTENER_CHILD")
	if dsn == "" {
		t.Skip("only as the child of TestKill9")
	}
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	svc := newService(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("ADDR %s\n", ln.Addr())
	l := New(FromApp(svc, operator), Config{Batch: 100, Flush: 10 * time.Millisecond,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	l.Serve(context.Background(), ln)
}
