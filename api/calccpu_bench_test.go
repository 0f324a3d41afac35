package api_test

import (
	"bytes"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"
)

// BenchmarkCalculatorCPU: the process's CPU time per calculator request
// with the shipped Chongqing quarter (in process, no network; the
// default answer and none), which on a shared machine varies less than
// the wall time the other calculator benchmarks report.
func BenchmarkCalculatorCPU(b *testing.B) {
	body, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		b.Fatal(err)
	}
	s := benchServer(b)
	for _, q := range []string{"", "?trace=none"} {
		b.Run("chongqing"+q, func(b *testing.B) {
			req := func() {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("POST", "/v1/tax/assessments"+q, bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				s.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
			req()
			c0 := processCPU()
			for b.Loop() {
				req()
			}
			b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
