package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/store/storetest"
)

// syncBuffer is a log sink the server's goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// lines are the JSON log lines written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		out = append(out, m)
	}
	return out
}

func (b *syncBuffer) msgs(t *testing.T, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range b.lines(t) {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

var (
	mwTablesOnce sync.Once
	mwTables     *app.Tables
	mwTablesErr  error
)

// middlewareServer builds the real server (every middleware as routes.go
// chains it), logging JSON into the returned buffer, with two routes of
// the test's own added: one that panics, one that takes 20 ms.
func middlewareServer(t *testing.T, cfg Config) (*Server, *syncBuffer) {
	t.Helper()
	mwTablesOnce.Do(func() { mwTables, mwTablesErr = app.LoadTables() })
	if mwTablesErr != nil {
		t.Fatal(mwTablesErr)
	}
	logs := &syncBuffer{}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = rate.Inf
	}
	db := storetest.OpenSQLite(t)
	metrics := NewMetrics(nil)
	svc, err := app.New(app.Deps{Store: db, Tables: mwTables, Observer: metrics})
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{App: svc, Metrics: metrics, Log: slog.New(slog.NewJSONHandler(logs, nil)), Config: cfg}
	s := New(d)
	s.echo.GET("/test/panic", func(c echo.Context) error { panic("boom in the handler") })
	s.echo.GET("/test/slow", func(c echo.Context) error {
		time.Sleep(20 * time.Millisecond)
		return c.String(http.StatusOK, "slow")
	})
	return s, logs
}

func get(s *Server, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// A panic is answered 500 with the problem body and the request ID, its
// stack is logged once, and the request is still counted in the metrics
// and written to the access log.
func TestPanicRecovered(t *testing.T) {
	s, logs := middlewareServer(t, Config{})
	w := get(s, "/test/panic", echo.HeaderXRequestID, "panic-1")
	if w.Code != http.StatusInternalServerError || w.Header().Get(echo.HeaderXRequestID) != "panic-1" {
		t.Fatalf("status %d, request ID %q", w.Code, w.Header().Get(echo.HeaderXRequestID))
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.RequestID != "panic-1" || p.Code != "internal" || strings.Contains(w.Body.String(), "boom") {
		t.Errorf("body %s (%v)", w.Body.String(), err)
	}
	panics := logs.msgs(t, "panic")
	if len(panics) != 1 {
		t.Fatalf("%d panic lines: %v", len(panics), logs.lines(t))
	}
	if st, _ := panics[0]["stack"].(string); !strings.Contains(st, "middleware_internal_test.go") || panics[0]["request_id"] != "panic-1" || panics[0]["error"] != "boom in the handler" {
		t.Errorf("panic line without the handler's stack or request ID: %v", panics[0])
	}
	reqs := logs.msgs(t, "request")
	if len(reqs) != 1 || reqs[0]["status"] != 500.0 || reqs[0]["panic"] != true || reqs[0]["level"] != "ERROR" || reqs[0]["request_id"] != "panic-1" {
		t.Errorf("access line of the panicking request: %v", reqs)
	}
	if n := testutil.ToFloat64(s.metrics.requests.WithLabelValues("GET", "/test/panic", "500")); n != 1 {
		t.Errorf("ecotax_http_requests_total{route=/test/panic,status=500} = %v, want 1", n)
	}
	// The server goes on.
	if w := get(s, "/v1/meta"); w.Code != http.StatusOK {
		t.Errorf("after the panic: %d", w.Code)
	}
}

// X-Request-ID: a sane one is kept, an insane or missing one replaced by
// 16 hex digits; the problem body and the log carry the same.
func TestRequestID(t *testing.T) {
	s, _ := middlewareServer(t, Config{})
	for _, tc := range []struct{ sent, want string }{
		{"abc-123_X.y", "abc-123_X.y"},
		{"", ""},
		{"bad id with spaces", ""},
		{"<script>", ""},
		{strings.Repeat("a", 65), ""},
	} {
		var w *httptest.ResponseRecorder
		if tc.sent == "" {
			w = get(s, "/nothing")
		} else {
			w = get(s, "/nothing", echo.HeaderXRequestID, tc.sent)
		}
		got := w.Header().Get(echo.HeaderXRequestID)
		if tc.want != "" && got != tc.want || tc.want == "" && (len(got) != 16 || strings.Trim(got, "0123456789abcdef") != "") {
			t.Errorf("sent %q: got %q", tc.sent, got)
		}
		var p problem
		json.Unmarshal(w.Body.Bytes(), &p)
		if p.RequestID != got {
			t.Errorf("sent %q: problem carries %q, header %q", tc.sent, p.RequestID, got)
		}
	}
}

// The access line is compact; successful fast requests are sampled,
// errors and slow requests always written.
func TestAccessLog(t *testing.T) {
	t.Run("all by default", func(t *testing.T) {
		s, logs := middlewareServer(t, Config{})
		for range 3 {
			get(s, "/v1/meta")
		}
		reqs := logs.msgs(t, "request")
		if len(reqs) != 3 {
			t.Fatalf("%d access lines, want 3", len(reqs))
		}
		l := reqs[0]
		want := map[string]bool{"time": true, "level": true, "msg": true, "request_id": true, "req": true, "status": true, "bytes": true, "ms": true, "client": true}
		for k := range l {
			if !want[k] {
				t.Errorf("unexpected field %q in %v", k, l)
			}
		}
		if l["req"] != "GET /v1/meta" || l["status"] != 200.0 || l["level"] != "INFO" {
			t.Errorf("line %v", l)
		}
	})
	t.Run("route with parameters", func(t *testing.T) {
		s, logs := middlewareServer(t, Config{})
		get(s, "/v1/taxpayers/91350100M000100Y43") // no token: 401
		reqs := logs.msgs(t, "request")
		if len(reqs) != 1 || reqs[0]["route"] != "/v1/taxpayers/:code" || reqs[0]["req"] != "GET /v1/taxpayers/91350100M000100Y43" || reqs[0]["status"] != 401.0 {
			t.Errorf("lines %v", reqs)
		}
	})
	t.Run("sampled", func(t *testing.T) {
		s, logs := middlewareServer(t, Config{AccessLogSample: 0.25})
		for range 8 {
			get(s, "/v1/meta")
		}
		get(s, "/nothing")    // 404: always
		get(s, "/test/panic") // 500: always
		get(s, "/test/slow")  // 20 ms, not slow at the default 1 s: sampled
		reqs := logs.msgs(t, "request")
		var ok, notFound, failed int
		for _, l := range reqs {
			switch l["status"] {
			case 200.0:
				ok++
			case 404.0:
				notFound++
			case 500.0:
				failed++
			}
		}
		if ok != 2 || notFound != 1 || failed != 1 {
			t.Errorf("200: %d lines (want 2 of 9), 404: %d (want 1), 500: %d (want 1)", ok, notFound, failed)
		}
		if n := testutil.ToFloat64(s.metrics.requests.WithLabelValues("GET", "/v1/meta", "200")); n != 8 {
			t.Errorf("metrics counted %v requests, want all 8", n)
		}
	})
	t.Run("none but errors and slow ones", func(t *testing.T) {
		s, logs := middlewareServer(t, Config{AccessLogSample: LogNone, SlowRequest: 10 * time.Millisecond})
		for range 5 {
			get(s, "/v1/meta")
		}
		get(s, "/test/slow")
		get(s, "/nothing")
		reqs := logs.msgs(t, "request")
		if len(reqs) != 2 || reqs[0]["req"] != "GET /test/slow" || reqs[0]["level"] != "WARN" || reqs[1]["status"] != 404.0 {
			t.Errorf("lines %v", reqs)
		}
	})
}

// The limiter is echo's memory store: past the burst a client is
// refused, another client is not.
func TestClientLimiter(t *testing.T) {
	l := newClientLimiter(nil, 1, 2)
	if !l.allow("a") || !l.allow("a") || l.allow("a") {
		t.Error("client a: want 2 allowed, the third refused")
	}
	if !l.allow("b") {
		t.Error("client b refused")
	}
	inf := newClientLimiter(nil, rate.Inf, 1)
	for range 100 {
		if !inf.allow("a") {
			t.Fatal("rate.Inf refused a request")
		}
	}
}
