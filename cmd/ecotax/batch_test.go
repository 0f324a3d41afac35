package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/ecotax/ecotax/internal/jsontest"

	"github.com/ecotax/ecotax/calc"
)

func compactJSON(t testing.TB, data string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(data)); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("%v: %.200s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("%v: %.200s", err, b)
	}
	return reflect.DeepEqual(x, y)
}

// calc --jsonl: one result or problem per input line, in order; a bad
// line does not stop the run; each result is what calc gives for the
// declaration alone at the same trace level.
func TestCalcJSONL(t *testing.T) {
	data, _ := readFileForTest(example)
	cq := compactJSON(t, data)
	small := `{"region":"500000","period":"2024-Q1","sources":[{"id":"DA001","kind":"air","month":"2024-01","pollutants":[{"name":"二氧化硫","emission_kg":"100"}]}]}`
	unknown := strings.Replace(small, "二氧化硫", "不存在的污染物", 1)
	in := cq + "\n{\n\n" + unknown + "\r\n" + small // no final newline
	for _, level := range []string{"full", "summary", "none"} {
		code, out, errs := runCLI(t, in, "calc", "--jsonl", "--trace", level, "-")
		if code != exitInput {
			t.Fatalf("%s: exit %d (want %d: problems): %s", level, code, exitInput, errs)
		}
		if !strings.Contains(errs, "5 declarations") || !strings.Contains(errs, "3 problems") {
			t.Errorf("%s: summary %q", level, errs)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 5 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("%s: %d output lines for 5 input lines:\n%.500s", level, len(lines), out)
		}
		for i, req := range []string{cq, "", "", "", small} {
			if req == "" {
				continue
			}
			c, one, _ := runCLI(t, req, "calc", "--trace", level, "-")
			if c != exitOK || !sameJSON(t, one, lines[i]) {
				t.Fatalf("%s: line %d differs from calc alone", level, i+1)
			}
		}
		for i, want := range map[int]string{1: `"code":"invalid_json"`, 2: `"code":"empty_line"`, 3: `"unknown_pollutant"`} {
			if !strings.HasPrefix(lines[i], fmt.Sprintf(`{"line":%d,`, i+1)) || !strings.Contains(lines[i], want) {
				t.Errorf("%s: line %d: %s, want %s", level, i+1, lines[i], want)
			}
		}
		if level == "none" && strings.Contains(lines[0], `"step"`) {
			t.Error("trace none has steps")
		}
	}
	if code, _, errs := runCLI(t, small+"\n", "calc", "--jsonl", "-"); code != exitOK || errs != "" {
		t.Fatalf("all good: exit %d, stderr %q", code, errs)
	}
	if code, _, _ := runCLI(t, "", "calc", "--jsonl", "--format", "table", "-"); code != exitInput {
		t.Fatalf("--jsonl --format table: exit %d", code)
	}
}

// benchJSONL builds n one-month declarations of 20 pollutant lines (two
// air outlets, one water outlet, half with concentrations), as the engine
// benchmark does, one per line.
func benchJSONL(n int) []byte {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		b.Write(jsontest.BatchDeclaration(i))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// The output order is the input order on every core, and each line is
// the result of its declaration alone.
func TestRunBatchOrder(t *testing.T) {
	engine, err := loadEngine()
	if err != nil {
		t.Fatal(err)
	}
	in := benchJSONL(3*batchChunk + 17)
	var out bytes.Buffer
	st, err := runBatch(engine, bytes.NewReader(in), &out, calc.TraceNone, 4)
	if err != nil || st.problems != 0 || st.declarations != 3*batchChunk+17 || st.lines != 20*st.declarations {
		t.Fatalf("%+v, %v", st, err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for i, line := range strings.Split(strings.TrimSuffix(string(in), "\n"), "\n") {
		req, err := calc.DecodeRequest([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		res, err := engine.Assess(req)
		if err != nil {
			t.Fatal(err)
		}
		if want := string(res.AppendJSON(nil, calc.TraceNone)); got[i] != want {
			t.Fatalf("line %d out of order or different", i+1)
		}
	}
}

// BenchmarkCalcJSONL: pollutant lines per second of CPU time through
// calc --jsonl's path (read, decode, assess, write without a trace, on
// every core), 50,000 declarations of 20 lines (one million lines) per
// run (-short: 5,000). CPU time, not wall time, is what "per core" means on a machine
// shared with other work.
func BenchmarkCalcJSONL(b *testing.B) {
	engine, err := loadEngine()
	if err != nil {
		b.Fatal(err)
	}
	n := 50_000
	if testing.Short() {
		n = 5_000
	}
	in := benchJSONL(n)
	for _, level := range []calc.TraceLevel{calc.TraceNone, calc.TraceSummary} {
		b.Run(level.String(), func(b *testing.B) {
			var lines int
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c0 := cpuTime()
				st, err := runBatch(engine, bytes.NewReader(in), io.Discard, level, runtime.GOMAXPROCS(0))
				cpu += cpuTime() - c0
				if err != nil || st.problems != 0 {
					b.Fatal(st, err)
				}
				lines += st.lines
			}
			b.ReportMetric(float64(lines)/cpu.Seconds(), "lines/cpu-s")
			b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// refLines cuts in as the batch always has: at each \n, less one \r
// before it; the last line needs no \n and is no line when it is empty
// (or only \r).
func refLines(in []byte) [][]byte {
	var out [][]byte
	parts := bytes.Split(in, []byte("\n"))
	for k, p := range parts {
		p = bytes.TrimSuffix(p, []byte("\r"))
		if k == len(parts)-1 && len(p) == 0 {
			break
		}
		out = append(out, p)
	}
	return out
}

// chunked reads in through readChunks and checks the chunks: numbered
// in order from 1, full but for the last.
func chunked(t *testing.T, r io.Reader) ([][]byte, error) {
	t.Helper()
	var got [][]byte
	var short bool
	err := readChunks(r, func(j *batchJob) {
		if j.first != len(got)+1 || short || len(j.lines) == 0 || len(j.lines) > batchChunk {
			t.Fatalf("chunk from line %d with %d lines after %d lines (short before: %v)", j.first, len(j.lines), len(got), short)
		}
		short = len(j.lines) < batchChunk
		for _, l := range j.lines {
			got = append(got, append([]byte(nil), l...))
		}
		inBuffers.Put(j.in[:0])
	})
	return got, err
}

// readChunks cuts the lines exactly as refLines does, whatever the reads
// return: lines of every length (empty, blank, \r\n, longer than the
// reader's buffer), with and without a last newline,
// read whole, a byte at a time, half at a time, and with the end of the
// input coming with the last data.
func TestReadChunksLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	line := func() []byte {
		switch rng.IntN(10) {
		case 0:
			return nil
		case 1:
			return []byte(" \t")
		case 2:
			return bytes.Repeat([]byte("x"), rng.IntN(200_000))
		}
		b := make([]byte, rng.IntN(3000))
		for i := range b {
			b[i] = "{}\"ab 1\r二"[rng.IntN(9)]
		}
		return b
	}
	for round := 0; round < 40; round++ {
		var in []byte
		n := rng.IntN(3 * batchChunk)
		if round < 3 {
			n = round // no line, one, two
		}
		for i := 0; i < n; i++ {
			if i == n/2 && round%5 == 0 {
				// Longer than the reader's buffer.
				in = append(in, bytes.Repeat([]byte("y"), 1<<20+12345)...)
			}
			in = append(in, line()...)
			if rng.IntN(4) == 0 {
				in = append(in, '\r')
			}
			in = append(in, '\n')
		}
		switch round % 4 {
		case 1:
			in = append(in, "last"...)
		case 2:
			in = append(in, '\r')
		}
		want := refLines(in)
		readers := map[string]io.Reader{
			"whole": bytes.NewReader(in),
			"half":  iotest.HalfReader(bytes.NewReader(in)),
			"eof":   iotest.DataErrReader(bytes.NewReader(in)),
		}
		if len(in) < 200_000 {
			readers["byte"] = iotest.OneByteReader(bytes.NewReader(in))
		}
		for name, r := range readers {
			got, err := chunked(t, r)
			if err != nil {
				t.Fatalf("round %d, %s: %v", round, name, err)
			}
			if len(got) != len(want) {
				t.Fatalf("round %d, %s: %d lines, want %d", round, name, len(got), len(want))
			}
			for k := range want {
				if !bytes.Equal(got[k], want[k]) {
					t.Fatalf("round %d, %s: line %d differs: %.40q, want %.40q", round, name, k+1, got[k], want[k])
				}
			}
		}
	}
}

// A read error ends the input: the lines before it are sent (the last
// one as far as it was read), then the error is returned. A line longer
// than maxRequestBytes is an error of the input, after the lines before
// it; one of exactly maxRequestBytes is a line.
func TestReadChunksErrors(t *testing.T) {
	boom := errors.New("boom")
	in := bytes.Repeat([]byte("{\"a\":1}\n"), batchChunk+3)
	got, err := chunked(t, io.MultiReader(bytes.NewReader(in), strings.NewReader("{\"par"), iotest.ErrReader(boom)))
	if err != boom || len(got) != batchChunk+4 || string(got[batchChunk+3]) != "{\"par" {
		t.Fatalf("%d lines, %v", len(got), err)
	}
	long := bytes.Repeat([]byte("x"), maxRequestBytes)
	for _, extra := range []int{0, 1} {
		data := append(append(append([]byte("ok\r\n"), long...), bytes.Repeat([]byte("y"), extra)...), "\nnext\n"...)
		got, err := chunked(t, bytes.NewReader(data))
		switch {
		case extra == 0 && (err != nil || len(got) != 3 || len(got[1]) != maxRequestBytes):
			t.Fatalf("a line of maxRequestBytes: %d lines, %v", len(got), err)
		case extra == 1 && (err == nil || !strings.Contains(err.Error(), "longer than") || len(got) != 1 || string(got[0]) != "ok"):
			t.Fatalf("a line longer than maxRequestBytes: %d lines, %v", len(got), err)
		}
	}
}

// blank is bytes.TrimSpace's verdict, at once for a line that starts
// with printable ASCII.
func TestBlank(t *testing.T) {
	for _, s := range []string{"", " ", "\t\r", "\u00a0", "\u3000 ", "{", " {", "\u00a0x", "x ", "\x00", "\x7f", "二"} {
		if got, want := blank([]byte(s)), len(bytes.TrimSpace([]byte(s))) == 0; got != want {
			t.Errorf("blank(%q) = %v, want %v", s, got, want)
		}
	}
}
