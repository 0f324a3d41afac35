package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/fixtures"
	"github.com/ecotax/ecotax/internal/silentproxy"
	"github.com/ecotax/ecotax/store/storetest"
)

// syncBuffer is a buffer the server's logger and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServe runs `ecotax serve` in-process on SQLite and PostgreSQL: a
// token made by `ecotax token create` works against it, and cancelling
// the context shuts it down cleanly.
func TestServe(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			vars := map[string]string{"ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "ecotax.db")}
			// serve sets the collector's target unless GOGC is in its
			// environment (then Go has applied it and serve leaves it).
			gcBefore := gcPercent()
			gcWant := api.GCPercent
			if dialect == "postgres" {
				vars["DATABASE_URL"] = storetest.PostgresSchemaURL(t)
				vars["GOGC"] = "100"
				gcWant = gcBefore
			}
			getenv := func(k string) string { return vars[k] }

			var out, errb bytes.Buffer
			if code := run([]string{"token", "create", "--role", "admin", "--label", "test"}, getenv, nil, &out, &errb); code != exitOK {
				t.Fatalf("token create: %d %s", code, errb.String())
			}
			secret := strings.TrimSpace(out.String())
			if !strings.HasPrefix(secret, "etx_") || len(secret) < 40 {
				t.Fatalf("token %q", secret)
			}
			if code := run([]string{"token", "create", "--role", "enterprise"}, getenv, nil, io.Discard, io.Discard); code != exitInput {
				t.Errorf("enterprise token without --taxpayer: exit %d", code)
			}

			ctx, cancel := context.WithCancel(context.Background())
			logs := &syncBuffer{}
			done := make(chan int, 1)
			go func() {
				done <- cmdServe(&env{ctx: ctx, getenv: getenv, stdin: nil, stdout: io.Discard, stderr: logs}, []string{"--addr", "127.0.0.1:0"})
			}()
			addr := ""
			for i := 0; i < 200 && addr == ""; i++ {
				time.Sleep(25 * time.Millisecond)
				for _, line := range strings.Split(logs.String(), "\n") {
					var l struct{ Msg, Addr string }
					if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "listening" {
						addr = l.Addr
					}
				}
			}
			if addr == "" {
				cancel()
				t.Fatalf("server did not start: %s", logs.String())
			}
			get := func(path, token string) int {
				req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			if s := get("/readyz", ""); s != 200 {
				t.Errorf("readyz %d", s)
			}
			if m := metricsText(t, "http://"+addr+"/metrics"); !strings.Contains(m, fmt.Sprintf("\ngo_gc_gogc_percent %d\n", gcWant)) {
				t.Errorf("collector's target: want %d, metrics say %q", gcWant, regexp.MustCompile(`(?m)^go_gc_gogc_percent .*$`).FindString(m))
			}
			if s := get("/v1/taxpayers", secret); s != 200 {
				t.Errorf("with token: %d", s)
			}
			if s := get("/v1/taxpayers", "etx_wrong"); s != 401 {
				t.Errorf("wrong token: %d", s)
			}
			// Revoked tokens stop working.
			if code := run([]string{"token", "revoke", "1"}, getenv, nil, io.Discard, io.Discard); code != exitOK {
				t.Errorf("revoke: %d", code)
			}
			if s := get("/v1/taxpayers", secret); s != 401 {
				t.Errorf("revoked token: %d", s)
			}
			cancel()
			select {
			case code := <-done:
				if code != exitOK {
					t.Errorf("serve exit %d: %s", code, logs.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not shut down")
			}
			if !strings.Contains(logs.String(), `"msg":"request"`) || !strings.Contains(logs.String(), `"msg":"stopped"`) {
				t.Errorf("structured logs missing: %s", logs.String())
			}
			if got := gcPercent(); got != gcBefore {
				t.Errorf("collector's target after serve: %d, before %d", got, gcBefore)
			}
		})
	}
}

// gcPercent is the process's collector target (SetGCPercent has no getter).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func metricsText(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServeBadConfig(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"ECOTAX_RATE_LIMIT": "fast", "ECOTAX_SQLITE_PATH": filepath.Join(t.TempDir(), "x.db")}[k]
	}
	var errb bytes.Buffer
	if code := run([]string{"serve"}, getenv, nil, io.Discard, &errb); code != exitInput {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

// Every table the service needs loads; serve hands all of them to the API.
func TestLoadServiceTables(t *testing.T) {
	tb, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	if tb.Engine == nil || tb.Filing == nil || tb.Fees == nil || tb.Ecocomp == nil || tb.Damage == nil || tb.Reconcile == nil || tb.Review == nil {
		t.Fatalf("a table is missing: %+v", tb)
	}
}

// A bad row in a table stops `ecotax serve` at start, before it opens the
// database or listens, and the log names the file and line.
func TestServeStopsOnBadTable(t *testing.T) {
	// The damage multipliers with the class III range upside down (low 7,
	// high 6) on line 9, as a careless edit of the CSV would leave them.
	read := func(name string) ([]byte, error) {
		data, err := os.ReadFile("../../fixtures/damage/" + name)
		if name == "multipliers.csv" {
			data = bytes.Replace(data, []byte("recommended_2014,surface_water,III,4.5,false,6,"), []byte("recommended_2014,surface_water,III,7,false,6,"), 1)
		}
		return data, err
	}
	load := func() (*app.Tables, error) {
		tb, err := app.LoadTables()
		if err != nil {
			return nil, err
		}
		if tb.Damage, err = fixtures.ParseDamage(read); err != nil {
			return nil, fmt.Errorf("damage tables: %w", err)
		}
		return tb, nil
	}
	dbFile := filepath.Join(t.TempDir(), "ecotax.db")
	getenv := func(k string) string { return map[string]string{"ECOTAX_SQLITE_PATH": dbFile}[k] }
	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		done <- serve(&env{ctx: ctx, getenv: getenv, stdout: io.Discard, stderr: logs}, []string{"--addr", "127.0.0.1:0"}, load)
	}()
	select {
	case code := <-done:
		if code != exitInternal {
			t.Errorf("exit %d, want %d", code, exitInternal)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop on a bad table: %s", logs.String())
	}
	if want := "fixtures/damage/multipliers.csv:9: column high: 6 is below low 7"; !strings.Contains(logs.String(), want) {
		t.Errorf("log does not name the file and line (%s): %s", want, logs.String())
	}
	if strings.Contains(logs.String(), `"msg":"listening"`) {
		t.Error("serve listened with a bad table")
	}
	if _, err := os.Stat(dbFile); !os.IsNotExist(err) {
		t.Errorf("the database was opened before the tables were checked: %v", err)
	}
}

// TestServeAgainstASilentDatabase (issue 11, item 8): serve against a
// database that accepts connections and never answers stops at once on
// SIGTERM (its context ending) instead of hanging in the driver.
func TestServeAgainstASilentDatabase(t *testing.T) {
	p := silentproxy.New(t, "")
	getenv := envOf(map[string]string{"DATABASE_URL": "postgres://u:p@" + p.Addr() + "/x?sslmode=disable&connect_timeout=60"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- cmdServe(&env{ctx: ctx, getenv: getenv, stdout: io.Discard, stderr: io.Discard}, []string{"--addr", "127.0.0.1:0"})
	}()
	time.Sleep(300 * time.Millisecond)
	cancel() // SIGTERM
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("serve ignored SIGTERM while opening a silent database")
	}
}

// TestServeGivesUpOnASilentDatabaseWithinItsTimeout (issue 11, item 8):
// serve against a database that accepts connections and never answers,
// with a connect_timeout far longer than its own open timeout, fails
// (exit 70, never listening) within the open timeout, not the driver's.
func TestServeGivesUpOnASilentDatabaseWithinItsTimeout(t *testing.T) {
	p := silentproxy.New(t, "")
	defer func(d time.Duration) { openTimeout = d }(openTimeout)
	openTimeout = 700 * time.Millisecond
	getenv := envOf(map[string]string{"DATABASE_URL": "postgres://u:p@" + p.Addr() + "/x?sslmode=disable&connect_timeout=60"})
	var logs syncBuffer
	start := time.Now()
	code := cmdServe(&env{ctx: context.Background(), getenv: getenv, stdout: io.Discard, stderr: &logs}, []string{"--addr", "127.0.0.1:0"})
	if d := time.Since(start); d > openTimeout+3*time.Second {
		t.Errorf("took %s, the open timeout is %s", d, openTimeout)
	}
	if code != exitInternal {
		t.Errorf("exit %d, want %d", code, exitInternal)
	}
	if strings.Contains(logs.String(), `"msg":"listening"`) {
		t.Error("serve listened without a database")
	}
}
