package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store/storetest"
)

// benchServer has every middleware on (request IDs, JSON access log,
// metrics, timeouts, rate limiter with an unreachable limit).
func benchServer(b *testing.B) *api.Server {
	d := loadTables(b)
	d.Store, d.Log, d.Config = storetest.OpenSQLite(b), slog.New(slog.NewJSONHandler(io.Discard, nil)), api.Config{RateLimit: rate.Inf}
	return api.New(d)
}

func serve(b *testing.B, s *api.Server, req func() *http.Request) {
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req())
	if w.Code != http.StatusOK {
		b.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
}

// BenchmarkAssessmentVsConstant runs POST /v1/tax/assessments (the
// contract's one-pollutant example, and testdata/assessment.json: 5
// sources, 12 items) and
// GET /v1/meta (a constant JSON document) alternately in one run, and
// reports the assessment's throughput as a share of the constant route's
// (target: ≥ 0.3).
func BenchmarkAssessmentVsConstant(b *testing.B) {
	for _, name := range []string{"assessment-small.json", "assessment.json"} {
		b.Run(name, func(b *testing.B) { benchVsConstant(b, "testdata/"+name) })
	}
}

func benchVsConstant(b *testing.B, file string) {
	body, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	s := benchServer(b)
	assess := func() *http.Request {
		r := httptest.NewRequest("POST", "/v1/tax/assessments", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	constant := func() *http.Request { return httptest.NewRequest("GET", "/v1/meta", nil) }
	serve(b, s, assess)
	var ta, tc time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		serve(b, s, constant)
		t1 := time.Now()
		serve(b, s, assess)
		ta += time.Since(t1)
		tc += t1.Sub(t0)
	}
	b.ReportMetric(float64(tc.Nanoseconds())/float64(b.N), "const-ns/op")
	b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "assess-ns/op")
	b.ReportMetric(float64(tc)/float64(ta), "assess/const")
}

// BenchmarkConstant and BenchmarkAssessment are the two routes alone.
func BenchmarkConstant(b *testing.B) {
	s := benchServer(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, s, func() *http.Request { return httptest.NewRequest("GET", "/v1/meta", nil) })
	}
}

func BenchmarkAssessment(b *testing.B) {
	body, err := os.ReadFile("testdata/assessment.json")
	if err != nil {
		b.Fatal(err)
	}
	s := benchServer(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		serve(b, s, func() *http.Request {
			r := httptest.NewRequest("POST", "/v1/tax/assessments", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r
		})
	}
}
