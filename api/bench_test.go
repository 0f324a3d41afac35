package api_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"runtime/trace"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/time/rate"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/store/storetest"
)

// benchServer has every middleware on (request IDs, JSON access log,
// metrics, timeouts, rate limiter with an unreachable limit), and the
// collector's target is the one `ecotax serve` sets (api.GCPercent,
// unless GOGC is in the environment, as serve).
func benchServer(b *testing.B) *api.Server {
	if os.Getenv("GOGC") == "" {
		old := debug.SetGCPercent(api.GCPercent)
		b.Cleanup(func() { debug.SetGCPercent(old) })
	}
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
// 127.0.0.1 and one keep-alive client connection alternating GET /v1/meta
// and POST /v1/tax/assessments, so both routes pay the same network and
// HTTP costs and the machine's load hits both alike. It reports the
// assessment's throughput as a share of the constant route's and both p99
// latencies, from the same loop. The Chongqing quarter and the
// one-pollutant example at the API's default trace (summary) and at full.
//
// The client is as lean as wrk (loopClient): Go's own http.Client, used
// before, ran two goroutines of its own per connection and allocated a
// 32 KB copy buffer for every request body, so the assessment (which has
// a body) paid for the client's garbage in the server's collections.
//
// With -loopback.tail each request also reads the process's CPU time and
// the runtime's count of finished collections, and the slowest 1 % of
// each route are described (see tailReport): whether the machine took the
// CPU away (CPU/wall well below 1) or a collection ran. It also reports
// the throughput ratio by the process's CPU time (client, server and
// collector together, per route), which the machine's load moves less
// than the wall time. Each request is also a region of an execution
// trace (-test.trace; docs/service.md shows how the slowest were read).
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
			cl := dialLoop(b, srv.Listener.Addr().String())
			defer cl.conn.Close()
			host := srv.Listener.Addr().String()
			constant := []byte("GET /v1/meta HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
			assess := append([]byte("POST /v1/tax/assessments"+c.query+" HTTP/1.1\r\nHost: "+host+
				"\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"), body...)
			cl.do(b, assess)
			tail := *loopbackTail
			ctx := context.Background() // each request is a region of an execution trace (-test.trace)
			var ta, tc time.Duration
			da, dc := make([]time.Duration, 0, b.N), make([]time.Duration, 0, b.N)
			var sa, sc []tailSample
			if tail {
				sa, sc = make([]tailSample, 0, b.N), make([]tailSample, 0, b.N)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var s0 tailSample
				if tail {
					s0 = sampleNow()
				}
				t0 := time.Now()
				r := trace.StartRegion(ctx, "const")
				cl.do(b, constant)
				r.End()
				t1 := time.Now()
				var s1 tailSample
				if tail {
					s1 = sampleNow()
				}
				t2 := time.Now()
				r = trace.StartRegion(ctx, "assess")
				cl.do(b, assess)
				r.End()
				t3 := time.Now()
				if tail {
					s2 := sampleNow()
					sc, sa = append(sc, s1.since(s0, t1.Sub(t0))), append(sa, s2.since(s1, t3.Sub(t2)))
				}
				ta, tc = ta+t3.Sub(t2), tc+t1.Sub(t0)
				da, dc = append(da, t3.Sub(t2)), append(dc, t1.Sub(t0))
			}
			b.StopTimer()
			pa, pc := p99(da), p99(dc)
			b.ReportMetric(float64(tc)/float64(ta), "assess/const")
			b.ReportMetric(float64(pa.Microseconds()), "assess-p99-µs")
			b.ReportMetric(float64(pc.Microseconds()), "const-p99-µs")
			b.ReportMetric(float64(pa)/float64(pc), "p99-assess/const")
			b.ReportMetric(float64(tc.Nanoseconds())/float64(b.N), "const-ns")
			b.ReportMetric(float64(ta.Nanoseconds())/float64(b.N), "assess-ns")
			if tail {
				rc, oc := tailReport(sc)
				ra, oa := tailReport(sa)
				b.Logf("N=%d const: %s", b.N, rc)
				b.Logf("N=%d assess: %s", b.N, ra)
				if oc > 0 {
					b.ReportMetric(float64(oa)/float64(oc), "own-p99-assess/const")
				}
				// The process's CPU time per route, summed: the ratio the
				// machine's other processes move least.
				var ca, cc time.Duration
				for i := range sa {
					ca, cc = ca+sa[i].cpu, cc+sc[i].cpu
				}
				b.ReportMetric(float64(cc)/float64(ca), "cpu-assess/const")
			}
		})
	}
}

var loopbackTail = flag.Bool("loopback.tail", false, "BenchmarkLoopback: describe the slowest 1% of requests")

// loopClient is one keep-alive HTTP/1.1 connection used as wrk uses it:
// each request's bytes are built once and written in one call, the
// answer is read through one buffer and thrown away.
type loopClient struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialLoop(b *testing.B, addr string) *loopClient {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	return &loopClient{conn: conn, br: bufio.NewReaderSize(conn, 64<<10)}
}

func (c *loopClient) do(b *testing.B, req []byte) {
	if _, err := c.conn.Write(req); err != nil {
		b.Fatal(err)
	}
	res, err := http.ReadResponse(c.br, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		b.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.ContentLength < 0 {
		b.Fatalf("status %d, Content-Length %d", res.StatusCode, res.ContentLength)
	}
}

// tailSample is what -loopback.tail records around a request: the
// process's CPU time (every thread: server, client, collector) and the
// collections finished so far; since turns two of them into the
// request's own.
type tailSample struct {
	wall, cpu time.Duration
	gcs       uint64
}

var gcMetric = []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}

func sampleNow() tailSample {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	metrics.Read(gcMetric)
	return tailSample{
		cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		gcs: gcMetric[0].Value.Uint64(),
	}
}

func (s tailSample) since(s0 tailSample, wall time.Duration) tailSample {
	return tailSample{wall: wall, cpu: s.cpu - s0.cpu, gcs: s.gcs - s0.gcs}
}

// tailReport describes the slowest 1 % of samples: their median wall
// time against the median of all, the share during which a collection
// finished, and the share in which the process had the CPU for less than
// half the wall time (the machine's other processes had it). own is the
// p99 of the requests during which the process had the CPU for at least
// three quarters of the wall time: the tail of the code and the runtime,
// without the machine's.
func tailReport(s []tailSample) (report string, own time.Duration) {
	if len(s) < 100 {
		return "too few samples", 0
	}
	slices.SortFunc(s, func(a, b tailSample) int { return int(a.wall - b.wall) })
	slow := s[len(s)*99/100:]
	var gc, starved int
	for _, x := range slow {
		if x.gcs > 0 {
			gc++
		}
		if x.cpu < x.wall/2 {
			starved++
		}
	}
	var allGC int
	var fed []time.Duration
	for _, x := range s {
		if x.gcs > 0 {
			allGC++
		}
		if x.cpu >= x.wall*3/4 {
			fed = append(fed, x.wall)
		}
	}
	own = p99(fed)
	return fmt.Sprintf("median %v, slowest 1%% (%d) median %v; a collection finished in %d%% of them (%d%% of all), CPU < wall/2 in %d%%; p99 with the CPU ≥ 3/4 of the wall (%d requests) %v",
		s[len(s)/2].wall, len(slow), slow[len(slow)/2].wall, 100*gc/len(slow), 100*allGC/len(s), 100*starved/len(slow), len(fed), own), own
}
