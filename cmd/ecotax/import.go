package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/store"
)

const importUsage = `usage:
  ecotax import hj212 [--stream] [--batch N] [--keys FILE] FILE...

Stores HJ 212 packets in the database (DATABASE_URL for PostgreSQL, else
SQLite at $ECOTAX_SQLITE_PATH or ./ecotax.db): every packet once, valid or
not, with its verdict and reason; the values of accepted packets; then
recomputes the monthly figures of the device-months that changed. A packet
already stored is a no-op, so a file can be imported again safely.

By default a file holds one packet per line, as "ecotax hj212 check"
reads it (blank lines and "#" comments skipped). --stream reads a raw
capture instead (frames ended by CR LF, resynchronising after bad ones,
bytes between frames stored as rejected packets). "-" reads standard input.
--batch is how many packets go into one transaction (default 1000).
HJ 212-2025 packets with an SM4-encrypted data area are decrypted with the
device keys stored in the database (ecotax hj212 key set), then with those
of --keys FILE (the format of hj212 check --keys). The parts of split
messages (PNUM/PNO) are stored as they come and the whole message once
every part is there, in any order and across files; at the end every
message still missing parts is judged incomplete, with its cause (a part
imported later completes it).

A progress bar is drawn on standard error when it is a terminal. At the end
one JSON line on standard output gives the counts. Exit status 0 when every
file was read and stored (whatever the verdicts), 2 for usage errors or an
unreadable file, 1 when the database failed.`

// cmdImport: ecotax import KIND FILE... — bulk loads.
func cmdImport(e *env, args []string) int {
	if len(args) == 0 || args[0] != "hj212" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(e.stdout, importUsage)
			return exitOK
		}
		fmt.Fprintln(e.stderr, importUsage)
		return exitInput
	}
	fs := flag.NewFlagSet("import hj212", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	stream := fs.Bool("stream", false, "read raw CR LF-framed captures instead of one packet per line")
	batch := fs.Int("batch", 1000, "packets per transaction")
	keyFile := fs.String("keys", "", "SM4 keys of the devices besides the stored ones: MN KEY [PREVIOUS-KEY...] per line")
	files, err := parseArgs(fs, args[1:])
	if err != nil || len(files) == 0 || *batch < 1 || *batch > 100000 {
		fmt.Fprintln(e.stderr, importUsage)
		return exitInput
	}
	// Open every file first: a typo in the last name should not leave a
	// half-done import behind.
	var total int64
	type input struct {
		name string
		r    io.Reader
		c    io.Closer
	}
	var ins []input
	defer func() {
		for _, in := range ins {
			if in.c != nil {
				in.c.Close()
			}
		}
	}()
	for _, name := range files {
		if name == "-" {
			ins = append(ins, input{name: "-", r: e.stdin})
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(e.stderr, "ecotax import hj212: %v\n", err)
			return exitInput
		}
		if st, err := f.Stat(); err == nil {
			total += st.Size()
		}
		ins = append(ins, input{name: name, r: f, c: f})
	}
	fileKeys, err := readKeys(*keyFile, false)
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax import hj212: %v\n", err)
		return exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax import hj212:", err)
		return exitInternal
	}
	defer db.Close()

	bar := progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(isTerminal(e.stderr)), progressbar.OptionClearOnFinish())
	im := &importer{e: e, svc: svc, size: *batch, opt: hj212.Options{Lenient: true, Keys: svc.DeviceKeys(fileKeys, 0)}}
	for _, in := range ins {
		r := io.TeeReader(in.r, bar)
		var err error
		if *stream {
			err = im.stream(in.name, r)
		} else {
			err = im.lines(in.name, r)
		}
		if err == nil {
			err = im.flush()
		}
		if err != nil {
			bar.Exit()
			var re readError
			if errors.As(err, &re) {
				fmt.Fprintf(e.stderr, "ecotax import hj212: %v\n", err)
				return exitInput
			}
			fmt.Fprintf(e.stderr, "ecotax import hj212: %v (packets before this batch are stored; importing again is safe)\n", err)
			return exitInternal
		}
		im.files++
	}
	bar.Finish()
	// The files are read: no part is coming for a message still missing
	// some, so it is judged now (a later import reopens it).
	closed, err := svc.CloseSplitSets(e.ctx, cliPrincipal)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax import hj212: split messages:", err)
		return exitInternal
	}
	n, err := svc.RefreshFigures(e.ctx, 0)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax import hj212: monthly figures:", err)
		return exitInternal
	}
	out := struct {
		Files int `json:"files"`
		store.IngestStats
		Monthly int `json:"monthly_refreshed"`
		Split   int `json:"split_judged"`
	}{im.files, im.stats, n, closed}
	b, _ := json.Marshal(out)
	fmt.Fprintln(e.stdout, string(b))
	return exitOK
}

// isTerminal reports whether w is a terminal (the progress bar is drawn
// only there, never into a log file or a pipe).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type readError struct{ err error }

func (r readError) Error() string { return r.err.Error() }
func (r readError) Unwrap() error { return r.err }

// importer gathers packets into batches.
type importer struct {
	e     *env
	svc   *app.Service
	size  int
	buf   []store.Incoming
	stats store.IngestStats
	files int
	opt   hj212.Options
}

func (im *importer) add(p *hj212.Packet, origin string) error {
	im.buf = append(im.buf, store.Incoming{Packet: p, Origin: origin})
	if len(im.buf) >= im.size {
		return im.flush()
	}
	return nil
}

func (im *importer) flush() error {
	if len(im.buf) == 0 {
		return nil
	}
	st, _, err := im.svc.Ingest(im.e.ctx, cliPrincipal, im.buf)
	if err != nil {
		return err
	}
	im.stats.Add(st)
	im.buf = im.buf[:0]
	return nil
}

// lines reads one packet per line, as hj212 check does.
func (im *importer) lines(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64*1024)
	opt := im.opt
	for n := 1; ; n++ {
		if err := im.e.ctx.Err(); err != nil {
			return err
		}
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return readError{fmt.Errorf("reading %s: %w", name, rerr)}
		}
		if len(line) == 0 && rerr != nil {
			return nil
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if !skipLine(line) {
			if err := im.add(hj212.Parse(line, opt), name+":"+strconv.Itoa(n)); err != nil {
				return err
			}
		}
		if rerr != nil {
			return nil
		}
	}
}

// stream reads a raw capture with the resynchronising reader.
func (im *importer) stream(name string, r io.Reader) error {
	rd := hj212.NewReader(r, im.opt)
	for {
		if err := im.e.ctx.Err(); err != nil {
			return err
		}
		p, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return readError{fmt.Errorf("reading %s: %w", name, err)}
		}
		if err := im.add(p, name+"@"+strconv.FormatInt(p.Offset, 10)); err != nil {
			return err
		}
	}
}
