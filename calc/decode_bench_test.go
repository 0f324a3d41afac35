package calc_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/internal/jsontest"
)

// BenchmarkDecode compares DecodeRequest with encoding/json decoding the
// same bytes into untyped values (with UseNumber), in the same run. The
// ratio of their ns/op is the cost of strict decoding: paths, duplicate
// and unknown keys, exact decimals. reuse is a calc.Decoder kept from one
// request to the next, as calc --jsonl and the calculator route keep
// theirs. cpu-ns/op counts the process's CPU time (the collector's work
// on the other core too), which on a shared machine varies less than
// the wall time.
func BenchmarkDecode(b *testing.B) {
	data, err := os.ReadFile("../fixtures/examples/chongqing-chemical-2024Q1.json")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("std", func(b *testing.B) { jsontest.StdDecode(b, data) })
	b.Run("strict", func(b *testing.B) {
		b.ReportAllocs()
		c0 := cpuTime()
		for b.Loop() {
			if _, err := calc.DecodeRequest(data); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
	b.Run("reuse", func(b *testing.B) {
		b.ReportAllocs()
		var dec calc.Decoder
		c0 := cpuTime()
		for b.Loop() {
			if _, err := dec.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, c0)
	})
}

func reportCPU(b *testing.B, c0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
