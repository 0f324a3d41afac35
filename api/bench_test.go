package api_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/store/storetest"
)

// benchServer has every middleware on (request IDs, JSON access log,
// metrics, timeouts, rate limiter with an unreachable limit).
func benchServer(b *testing.B) *api.Server {
	return newServer(b, storetest.OpenSQLite(b), nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), api.Config{RateLimit: rate.Inf}, nil)
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
//
// The shipped Chongqing quarter (72 lines) and the one-pollutant example
// run at each trace level; the default answer is the API's default
// (summary). p99 of each route is reported from the same loop.
func BenchmarkAssessmentVsConstant(b *testing.B) {
	for _, name := range []string{"assessment-small.json", "assessment.json"} {
		b.Run(name, func(b *testing.B) { benchVsConstant(b, "testdata/"+name, "") })
	}
	for _, q := range []string{"", "?trace=full", "?trace=none"} {
		b.Run("chongqing"+q, func(b *testing.B) {
			benchVsConstant(b, "../fixtures/examples/chongqing-chemical-2024Q1.json", q)
		})
		b.Run("one-pollutant"+q, func(b *testing.B) { benchVsConstant(b, "testdata/assessment-small.json", q) })
	}
}

// p99 is the 99th percentile of the recorded durations.
func p99(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)*99/100]
}

func benchVsConstant(b *testing.B, file, query string) {
	body, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	s := benchServer(b)
	assess := func() *http.Request {
		r := httptest.NewRequest("POST", "/v1/tax/assessments"+query, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	constant := func() *http.Request { return httptest.NewRequest("GET", "/v1/meta", nil) }
	serve(b, s, assess)
	var ta, tc time.Duration
	da, dc := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		serve(b, s, constant)
		t1 := time.Now()
		serve(b, s, assess)
		t2 := time.Now()
		ta += t2.Sub(t1)
		tc += t1.Sub(t0)
		da, dc = append(da, t2.Sub(t1)), append(dc, t1.Sub(t0))
	}
	pa, pc := p99(da), p99(dc)
	b.ReportMetric(float64(pa.Microseconds()), "assess-p99-µs")
	b.ReportMetric(float64(pc.Microseconds()), "const-p99-µs")
	b.ReportMetric(float64(pa)/float64(pc), "p99-assess/const")
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

// BenchmarkAssessmentParts splits POST /v1/tax/assessments: the engine's
// own parts (calc.DecodeRequest, Engine.Assess, Result.MarshalJSON) run
// directly, the whole route through every middleware, and the constant
// route, in one loop. route − engine is what the service adds to the
// calculation (body reading, middleware, writing); const is the same
// middleware around a constant document.
func BenchmarkAssessmentParts(b *testing.B) {
	for _, name := range []string{"assessment-small.json", "assessment.json"} {
		b.Run(name, func(b *testing.B) {
			body, err := os.ReadFile("testdata/" + name)
			if err != nil {
				b.Fatal(err)
			}
			s := benchServer(b)
			eng := loadTables(b).Engine
			assess := func() *http.Request {
				r := httptest.NewRequest("POST", "/v1/tax/assessments", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				return r
			}
			constant := func() *http.Request { return httptest.NewRequest("GET", "/v1/meta", nil) }
			serve(b, s, assess)
			var tDecode, tAssess, tMarshal, tRoute, tConst time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				req, err := calc.DecodeRequest(body)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				res, err := eng.Assess(req)
				if err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				if _, err := res.MarshalJSON(); err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				serve(b, s, assess)
				t4 := time.Now()
				serve(b, s, constant)
				tConst += time.Since(t4)
				tDecode, tAssess, tMarshal, tRoute = tDecode+t1.Sub(t0), tAssess+t2.Sub(t1), tMarshal+t3.Sub(t2), tRoute+t4.Sub(t3)
			}
			n := float64(b.N)
			engine := tDecode + tAssess + tMarshal
			b.ReportMetric(float64(tDecode.Nanoseconds())/n, "decode-ns")
			b.ReportMetric(float64(tAssess.Nanoseconds())/n, "assess-ns")
			b.ReportMetric(float64(tMarshal.Nanoseconds())/n, "marshal-ns")
			b.ReportMetric(float64(tRoute.Nanoseconds())/n, "route-ns")
			b.ReportMetric(float64((tRoute-engine).Nanoseconds())/n, "service-ns")
			b.ReportMetric(float64(tConst.Nanoseconds())/n, "const-ns")
			b.ReportMetric(float64(tConst)/float64(tRoute), "route/const-throughput")
		})
	}
}

// TestAssessmentResponse: the calculator's answer carries its
// Content-Length and the bytes JSONBlob wrote before; a body sent without
// a length or in pieces is read whole.
func TestAssessmentResponse(t *testing.T) {
	s := newServer(t, storetest.OpenSQLite(t), nil, slog.New(slog.NewJSONHandler(io.Discard, nil)), api.Config{RateLimit: rate.Inf}, nil)
	body, err := os.ReadFile("testdata/assessment.json")
	if err != nil {
		t.Fatal(err)
	}
	req, err := calc.DecodeRequest(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := loadTables(t).Engine.Assess(req)
	if err != nil {
		t.Fatal(err)
	}
	want := res.AppendJSON(nil, api.DefaultTrace) // the API's default trace level
	for name, r := range map[string]io.Reader{"bytes": bytes.NewReader(body), "pieces": io.MultiReader(bytes.NewReader(body[:10]), iotest.OneByteReader(bytes.NewReader(body[10:])))} {
		hr := httptest.NewRequest("POST", "/v1/tax/assessments", r)
		if name == "pieces" {
			hr.ContentLength = -1
		}
		hr.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, hr)
		if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: status %d, body %.200s", name, w.Code, w.Body.Bytes())
		}
		if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(want)) || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Length %q (body %d bytes), Content-Type %q", name, got, len(want), w.Header().Get("Content-Type"))
		}
	}
}

// BenchmarkLoopback is the wrk-style comparison in Go: a real server on
// 127.0.0.1 and one client connection (keep-alive) alternating GET
// /v1/meta and POST /v1/tax/assessments, so both routes pay the same
// network and HTTP costs and the machine's load hits both alike. It
// reports the assessment's throughput as a share of the constant route's
// and both p99 latencies. The Chongqing quarter and the one-pollutant
// example at the API's default trace (summary) and at full.
func BenchmarkLoopback(b *testing.B) {
	for _, c := range []struct{ name, file, query string }{
		{"chongqing", "../fixtures/examples/chongqing-chemical-2024Q1.json", ""},
		{"chongqing?trace=full", "../fixtures/examples/chongqing-chemical-2024Q1.json", "?trace=full"},
		{"one-pollutant", "testdata/assessment-small.json", ""},
		{"one-pollutant?trace=full", "testdata/assessment-small.json", "?trace=full"},
	} {
		b.Run(c.name, func(b *testing.B) {
			body, err := os.ReadFile(c.file)
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(benchServer(b))
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
			do := func(method, path string, body []byte) {
				var rd io.Reader
				if body != nil {
					rd = bytes.NewReader(body)
				}
				req, _ := http.NewRequest(method, srv.URL+path, rd)
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Fatalf("%s %s: %d", method, path, res.StatusCode)
				}
			}
			do("POST", "/v1/tax/assessments"+c.query, body)
			var ta, tc time.Duration
			da, dc := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				do("GET", "/v1/meta", nil)
				t1 := time.Now()
				do("POST", "/v1/tax/assessments"+c.query, body)
				t2 := time.Now()
				ta, tc = ta+t2.Sub(t1), tc+t1.Sub(t0)
				da, dc = append(da, t2.Sub(t1)), append(dc, t1.Sub(t0))
			}
			pa, pc := p99(da), p99(dc)
			b.ReportMetric(float64(tc)/float64(ta), "assess/const")
			b.ReportMetric(float64(pa.Microseconds()), "assess-p99-µs")
			b.ReportMetric(float64(pc.Microseconds()), "const-p99-µs")
			b.ReportMetric(float64(pa)/float64(pc), "p99-assess/const")
		})
	}
}
