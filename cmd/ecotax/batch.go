package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"

	"github.com/ecotax/ecotax/calc"
)

// batchChunk is how many input lines a worker takes at a time: enough to
// make handing work over cheap, few enough to keep the output flowing
// and a chunk's output in the core's cache while it is written and then
// written out (a declaration's result is about 16 KB at --trace none:
// 256 lines made 4 MB, 32 make half a megabyte). With the output written
// straight from the chunk's buffer (runBatch), 32 rather than 256
// measured 2–3 % less CPU for the whole batch.
const batchChunk = 32

// batchStats counts what a batch run did.
type batchStats struct {
	declarations, problems, lines int
}

// batchJob is one chunk of input lines and, once done, its output.
type batchJob struct {
	first int      // 1-based number of the first line
	lines [][]byte // each line without its newline
	in    []byte   // the buffer the lines are cut from
	out   []byte
	stats batchStats
	done  chan struct{}
}

// runBatch assesses one declaration per input line (JSON Lines) and
// writes one result per line, in input order: the result in the
// contract's shape with the trace at level, or a problem line
// {"line":N,"code":…,"title":…,"detail":…,"errors":[…]} for a line that
// cannot be assessed. A bad line never stops the run. Chunks of lines are
// assessed on every core; the output keeps the input order.
func runBatch(engine *calc.Engine, r io.Reader, w io.Writer, level calc.TraceLevel, workers int) (batchStats, error) {
	if workers < 1 {
		workers = 1
	}
	jobs := make(chan *batchJob, workers)
	order := make(chan *batchJob, 2*workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker decodes into its own memory, again and again:
			// a request is written before the next is decoded.
			var dec calc.Decoder
			for j := range jobs {
				assessChunk(engine, &dec, j, level)
				close(j.done)
			}
		}()
	}
	// The reader hands out chunks and queues them in order; the writer
	// (this goroutine) waits for each in turn.
	readErr := make(chan error, 1)
	go func() {
		defer close(order)
		defer close(jobs)
		readErr <- readChunks(r, func(j *batchJob) {
			order <- j
			jobs <- j
		})
	}()
	var st batchStats
	// A chunk's output is written as it is, not copied into a buffer
	// first: bufio.Writer writes what does not fit its buffer straight
	// through. Its buffer only gathers small outputs (chunks of problem
	// lines, the last chunk).
	bw := bufio.NewWriterSize(w, 4<<10)
	var werr error
	for j := range order {
		<-j.done
		if werr == nil {
			_, werr = bw.Write(j.out)
		}
		outBuffers.Put(j.out[:0])
		// The chunk's requests were decoded in place (DecodeBorrowed),
		// and nothing of them is kept once its output is written.
		inBuffers.Put(j.in[:0])
		st.declarations += j.stats.declarations
		st.problems += j.stats.problems
		st.lines += j.stats.lines
		j.out, j.in, j.lines = nil, nil, nil
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return st, err
	}
	if werr == nil {
		werr = bw.Flush()
	}
	return st, werr
}

// readChunks reads r as lines without their ends (\n or \r\n; the last
// line needs no end, and is no line when empty) and hands them to send
// batchChunk at a time, numbered from 1 (j.first), in order. A line
// longer than maxRequestBytes is an error of the whole input: the lines
// before it are sent, then the error returned. A read error is returned
// likewise after the lines read before it, the last one as far as it
// was read. io.EOF is not an error.
//
// (Reading straight into the chunks' buffers, without the reader's
// buffer in between, saved a copy of the input but no measurable time:
// the copy into the reader's buffer, which stays in the cache, is cheap.)
func readChunks(r io.Reader, send func(*batchJob)) error {
	br := bufio.NewReaderSize(r, 1<<20)
	n := 0
	for {
		j := &batchJob{first: n + 1, done: make(chan struct{})}
		// The chunk's lines are read into one buffer (a line is copied
		// out of the reader's buffer once, not allocated on its own)
		// and cut from it when the chunk is complete. The buffers go
		// round (inBuffers): growing a fresh one to a chunk's size
		// every time was a twentieth of a batch run.
		buf := inBuffers.Get().([]byte)
		ends := make([]int, 0, batchChunk)
		var err error
		for len(ends) < batchChunk {
			var line []byte
			line, err = readLine(br)
			if len(line) > 0 || err == nil {
				n++
				buf = append(buf, line...)
				ends = append(ends, len(buf))
			}
			if err != nil {
				break
			}
		}
		j.in = buf
		j.lines = make([][]byte, len(ends))
		start := 0
		for k, end := range ends {
			j.lines[k] = buf[start:end:end]
			start = end
		}
		if len(j.lines) > 0 {
			send(j)
		} else {
			inBuffers.Put(buf[:0])
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return err
		}
	}
}

// readLine reads one line without its end (\n or \r\n); a line longer
// than maxRequestBytes is an error of the whole input. The line may be
// the reader's own buffer, valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		part, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf = append(buf, part...)
			if len(buf) > maxRequestBytes {
				return nil, errLongLine
			}
			continue
		}
		if buf == nil {
			buf = part
		} else {
			buf = append(buf, part...)
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if len(buf) > maxRequestBytes {
			return nil, errLongLine
		}
		return buf, err
	}
}

var errLongLine = fmt.Errorf("a line is longer than %d bytes", maxRequestBytes)

// outBuffers keeps the chunks' output buffers for the next chunks: a
// chunk's output is hundreds of kilobytes, and allocating (and zeroing)
// it anew each time was a tenth of a batch run.
var outBuffers = sync.Pool{New: func() any { return []byte(nil) }}

// inBuffers keeps the chunks' input buffers likewise.
var inBuffers = sync.Pool{New: func() any { return make([]byte, 0, 64<<10) }}

// assessChunk decodes each line with dec, which keeps its memory for the
// next line: each request, its result and any error naming its fields are
// written to the output before the next line is decoded (calc.Decoder's
// contract).
func assessChunk(engine *calc.Engine, dec *calc.Decoder, j *batchJob, level calc.TraceLevel) {
	out := outBuffers.Get().([]byte)
	for k, line := range j.lines {
		j.stats.declarations++
		var res *calc.Result
		var err error
		if blank(line) {
			err = &calc.Error{Kind: calc.KindInvalid, Code: "empty_line", Title: "空行", Detail: "one declaration per line; this line is empty"}
		} else {
			var req *calc.Request
			// The line stays in the chunk's buffer, unchanged, until
			// the chunk's output is written (runBatch).
			if req, err = dec.DecodeBorrowed(line); err == nil {
				// Only the level asked is built: at none, no trace.
				res, err = engine.AssessTrace(req, level)
			}
		}
		if err != nil {
			j.stats.problems++
			out = appendProblem(out, j.first+k, err)
		} else {
			j.stats.lines += len(res.Lines)
			out = res.AppendJSON(out, level)
			res.Release() // written: its lines go to the next declarations
			res = nil
		}
		out = append(out, '\n')
	}
	j.out = out
}

// blank reports whether line is empty or all white space (as
// bytes.TrimSpace sees it). A declaration starts with '{' (or any other
// printable ASCII byte): the answer, at once, for every line but those
// that start with a space or a byte beyond ASCII.
func blank(line []byte) bool {
	if len(line) > 0 && line[0] > ' ' && line[0] < utf8.RuneSelf {
		return false
	}
	return len(bytes.TrimSpace(line)) == 0
}

// appendProblem writes a problem line: the error's problem JSON with the
// number of the input line first.
func appendProblem(out []byte, line int, err error) []byte {
	var ce *calc.Error
	if !errors.As(err, &ce) {
		ce = &calc.Error{Kind: calc.KindInternal, Code: "internal", Title: "内部错误", Detail: err.Error()}
	}
	b, _ := ce.MarshalJSON()
	out = append(out, `{"line":`...)
	out = strconv.AppendInt(out, int64(line), 10)
	if len(b) > 2 {
		out = append(out, ',')
		out = append(out, b[1:]...)
	} else {
		out = append(out, '}')
	}
	return out
}

// calcJSONL is `ecotax calc --jsonl FILE|-`: a progress bar on a terminal
// (bytes of a file read so far), a one-line summary on standard error,
// exit 2 when any line was a problem, 1 when reading or writing failed.
func calcJSONL(e *env, name string, level calc.TraceLevel) int {
	var r io.Reader = e.stdin
	total := int64(-1)
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "ecotax calc: %v\n", err)
			return exitInput
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			total = st.Size()
		}
		r = f
	}
	engine, err := loadEngine()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax calc: %v\n", err)
		return exitInternal
	}
	tty := isTerminal(e.stderr)
	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("assessing"), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(tty), progressbar.OptionClearOnFinish())
	t0 := time.Now()
	st, err := runBatch(engine, io.TeeReader(r, bar), e.stdout, level, runtime.GOMAXPROCS(0))
	bar.Finish()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax calc: %v (after %d declarations)\n", err, st.declarations)
		return exitInternal
	}
	if tty || st.problems > 0 {
		fmt.Fprintf(e.stderr, "ecotax calc: %d declarations, %d pollutant and other lines, %d problems, %s\n",
			st.declarations, st.lines, st.problems, time.Since(t0).Round(time.Millisecond))
	}
	if st.problems > 0 {
		return exitInput
	}
	return exitOK
}
