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
// make handing work over cheap, few enough to keep the output flowing.
const batchChunk = 256

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
	bw := bufio.NewWriterSize(w, 1<<20)
	var werr error
	for j := range order {
		<-j.done
		if werr == nil {
			_, werr = bw.Write(j.out)
		}
		outBuffers.Put(j.out[:0])
		// The chunk's requests were decoded in place (DecodeBorrowed),
		// and nothing of them is kept once its output is written.
		if cap(j.in) <= maxPooledIn {
			inBuffers.Put(j.in[:0])
		}
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

// Reading the input: the file is read straight into the chunks' buffers
// and each line is cut where it lies (and decoded there, see
// assessChunk): a line is not copied out of a reader's buffer into the
// chunk's, nor out of the chunk's into a decoder's. Only the start of a
// line that a read cut short at the end of a chunk is copied, into the
// next chunk's buffer.
const (
	// batchRead is the most one read asks for: a chunk's reads stop
	// once it has its lines, and what was read beyond them is copied
	// into the next chunk, so a read is kept small next to a chunk.
	batchRead = 1 << 20
	// batchReadMin is the least one read asks for.
	batchReadMin = 4 << 10
	// maxPooledIn is the largest input buffer kept for the next chunks:
	// one made for a very long line is let go.
	maxPooledIn = 4 << 20
)

// readChunks reads r as lines without their ends (\n or \r\n; the last
// line needs no end, and is no line when empty) and hands them to send
// batchChunk at a time, numbered from 1 (j.first), in order. A line
// longer than maxRequestBytes is an error of the whole input: the lines
// before it are sent, then the error returned. A read error is returned
// likewise after the lines read before it, the last one as far as it
// was read. io.EOF is not an error.
func readChunks(r io.Reader, send func(*batchJob)) error {
	var (
		carry []byte // the start of the next line, read with the last chunk
		err   error  // the read error that ended the input (io.EOF)
		n     int    // lines so far
		read  int64  // bytes of the lines so far, for the size of a read
		empty int    // reads in a row that read nothing
	)
	for {
		buf := append(inBuffers.Get().([]byte)[:0], carry...)
		ends := make([]int, 0, batchChunk) // the lines: buf[ends[k-1]+1 or 0 : ends[k]], less a \r
		start, scan := 0, 0                // the next line starts at start; no \n before scan
		var long bool
		for len(ends) < batchChunk {
			if k := bytes.IndexByte(buf[scan:], '\n'); k >= 0 {
				end := scan + k
				if end-start > maxRequestBytes {
					long = true
					break
				}
				ends = append(ends, end)
				read += int64(end + 1 - start)
				start, scan = end+1, end+1
				continue
			}
			scan = len(buf)
			if len(buf)-start > maxRequestBytes {
				long = true
				break
			}
			if err != nil {
				// The end of the input: the rest, if anything, is the
				// last line.
				if rest := len(buf) - start; rest > 1 || rest == 1 && buf[start] != '\r' {
					ends = append(ends, len(buf))
				}
				start = len(buf)
				break
			}
			// A read of about what the chunk's remaining lines take.
			want := batchRead
			if n+len(ends) > 0 {
				want = int(min(int64(batchRead), max(batchReadMin, read/int64(n+len(ends))*int64(batchChunk-len(ends)))))
			}
			if cap(buf)-len(buf) < want {
				grown := make([]byte, len(buf), 2*cap(buf)+want)
				copy(grown, buf)
				buf = grown
			}
			var m int
			m, err = r.Read(buf[len(buf) : len(buf)+want])
			buf = buf[:len(buf)+m]
			if empty = empty + 1; m > 0 {
				empty = 0
			} else if empty >= 100 && err == nil {
				err = io.ErrNoProgress // as bufio.Reader gives up on a reader that keeps reading nothing
			}
		}
		carry = append(carry[:0], buf[start:]...)
		j := &batchJob{first: n + 1, in: buf, lines: make([][]byte, len(ends)), done: make(chan struct{})}
		from := 0
		for k, end := range ends {
			line := buf[from:end:end]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[: len(line)-1 : len(line)-1]
			}
			j.lines[k] = line
			from = end + 1
		}
		n += len(ends)
		if len(ends) > 0 {
			send(j)
		} else {
			inBuffers.Put(buf[:0])
		}
		switch {
		case long:
			return fmt.Errorf("a line is longer than %d bytes", maxRequestBytes)
		case err == io.EOF && len(carry) == 0:
			return nil
		case err != nil && len(carry) == 0:
			return err
		}
	}
}

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
