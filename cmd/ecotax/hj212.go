package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/listener"
)

const hj212Usage = `usage:
  ecotax hj212 check [--strict] [--keys FILE] [--no-example-key] FILE|-
  ecotax hj212 listen [--idle 10m] [--batch 500] [--flush 200ms] [--refresh 1m]
                      [--committers 2] [--per-conn 1440] [--max-conns 10000] [--keys FILE] ADDR
  ecotax hj212 retention [--months N]
  ecotax hj212 key set MN          (the key on standard input: 16 characters or 32 hex digits)
  ecotax hj212 key show MN

check reads one HJ 212 packet per line ("-" reads standard input), without
its CR LF. Blank lines and comment lines (starting with "#" but not "##")
are skipped; a trailing CR (and a UTF-8 byte-order mark at the start of the
file) is removed. For each packet it prints one JSON
line:
  {"line":N,"verdict":"valid|lenient|rejected","reason":"...","cn":"...","mn":"...","version":"2017","values":N}
line is the 1-based line number in the input, values the number of CP
key=value pairs parsed, version the protocol the Flag bits declare (2005,
2017, 2025), and "warnings" lists oddities that did not decide the verdict
(only when there are any). HJ 212-2025 packets may add "backfill":true
(RF=1, 补传: late data, not real-time), "encrypted":"sm4-0x-list|sm4-hex|
sm4-raw" with "key":N (0 the device's current key, 1 the previous one) and
"sentinels":N (values equal to their data type's maximum, not
measurements). By default a CRC computed as plain CRC-16/MODBUS with
swapped bytes is accepted as "lenient"; --strict accepts only the HJ
212-2017 Annex A CRC. --keys FILE gives SM4 keys for encrypted data areas,
one device a line: MN KEY [PREVIOUS-KEY...], each key 16 characters or 32
hex digits, MN "*" for every device; unless --no-example-key, the example
key of HJ 212-2025 Annex A.2 (16 x "0") is tried last, with a warning when
it fits. Exit status 0 when the file was read (whatever the verdicts), 2
for usage errors or unreadable input.

listen receives packets from data loggers over TCP at ADDR (HOST:PORT) and
stores them as "ecotax import hj212" does (DATABASE_URL for PostgreSQL,
else SQLite at $ECOTAX_SQLITE_PATH or ./ecotax.db): every packet once, valid
or not, with its verdict. A packet whose Flag asks for an answer (bit 0) is
answered with a data answer (CN=9014) once it is stored; a rejected packet
is stored but not answered, so the logger sends it again. After a bad
frame the reader resynchronises on the next "##". Packets from all
connections are stored in batches (--batch packets, or --flush after a
batch's first packet), --committers transactions at once; a connection has
at most --per-conn packets read and not yet answered, and when the database
falls behind the listener stops reading (devices wait) instead of queueing
without bound. More than --max-conns connections are closed at once. The
monthly figures are brought up to date every --refresh. A connection idle
for --idle is closed. Encrypted data areas (HJ 212-2025) are decrypted with
the device keys stored in the database (read again within 30 s of a
change), then with those of --keys (the format of check --keys; no example
key). Parts of split messages (PNUM/PNO) are answered as they are stored;
the whole message is stored once every part is there, and a message still
missing parts 10 minutes after its first part is judged incomplete.
SIGINT/SIGTERM stops accepting, lets each connection finish its packet,
stores what was received and exits 0. Logs are JSON lines on standard
error.

key set stores the SM4 key of device MN, read from the first line of
standard input (so that it stays out of the shell history and the process
list); the key it replaces stays as the previous key, older ones are
deleted. It prints the key's fingerprint, never the key; the change is
audited. key show lists a device's keys by fingerprint.

retention drops the raw real-time (2011) and minute (2051) values of the
months before the current one and the N before it (--months, else
$ECOTAX_RAW_RETENTION_MONTHS; one of them is required), as serve does in
the background, and prints what it did as one JSON line. Packets as
received, hour and day values and monthly figures stay.`

// cmdHJ212: ecotax hj212 SUBCOMMAND — HJ 212 monitoring packets. Each
// subcommand is one function beside hj212Check.
func cmdHJ212(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, hj212Usage)
		return exitInput
	}
	switch args[0] {
	case "check":
		return hj212Check(e, args[1:])
	case "listen":
		return hj212Listen(e, args[1:])
	case "retention":
		return hj212Retention(e, args[1:])
	case "key":
		return hj212Key(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, hj212Usage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax hj212: unknown subcommand %q\n%s\n", args[0], hj212Usage)
	return exitInput
}

// checkLine is one line of `hj212 check` output.
type checkLine struct {
	Line     int      `json:"line"`
	Verdict  string   `json:"verdict"`
	Reason   string   `json:"reason"`
	CN       string   `json:"cn"`
	MN       string   `json:"mn"`
	Version  string   `json:"version,omitempty"`
	Values   int      `json:"values"`
	Backfill bool     `json:"backfill,omitempty"`
	Cipher   string   `json:"encrypted,omitempty"`
	Key      *int     `json:"key,omitempty"`
	Sentinel int      `json:"sentinels,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

func hj212Check(e *env, args []string) int {
	fs := flag.NewFlagSet("hj212 check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	strict := fs.Bool("strict", false, "accept only the HJ 212-2017 Annex A CRC (no lenient verdicts)")
	keyFile := fs.String("keys", "", "SM4 keys of the devices: MN KEY [PREVIOUS-KEY...] per line")
	noExample := fs.Bool("no-example-key", false, "do not try the example key of HJ 212-2025 Annex A.2")
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 1 {
		fmt.Fprintln(e.stderr, hj212Usage)
		return exitInput
	}
	keys, err := readKeys(*keyFile, !*noExample)
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax hj212 check: %v\n", err)
		return exitInput
	}
	in := e.stdin
	name := "standard input"
	if rest[0] != "-" {
		fh, err := os.Open(rest[0])
		if err != nil {
			fmt.Fprintf(e.stderr, "ecotax hj212 check: %v\n", err)
			return exitInput
		}
		defer fh.Close()
		in, name = fh, rest[0]
	}
	opt := hj212.Options{Lenient: !*strict, Keys: keys}

	out := bufio.NewWriter(e.stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false) // keep "&&" readable in reasons
	br := bufio.NewReaderSize(in, 64*1024)
	var f hj212.Frame
	for n := 1; ; n++ {
		if err := e.ctx.Err(); err != nil {
			out.Flush()
			fmt.Fprintf(e.stderr, "ecotax hj212 check: %v\n", err)
			return exitInternal
		}
		line, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			out.Flush()
			fmt.Fprintf(e.stderr, "ecotax hj212 check: reading %s: %v\n", name, rerr)
			return exitInput
		}
		if len(line) == 0 && rerr != nil {
			break
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if n == 1 {
			// A byte-order mark belongs to the file, not to a packet.
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		if skipLine(line) {
			if rerr != nil {
				break
			}
			continue
		}
		f.Parse(line, opt)
		p := f.Packet()
		cl := checkLine{Line: n, Verdict: p.Verdict.String(), Reason: p.Reason, CN: p.CN, MN: p.MN, Values: len(p.CP),
			Backfill: p.Backfill()}
		if len(p.Header) > 0 {
			cl.Version = p.VersionName()
		}
		if p.Cipher != hj212.CipherNone {
			cl.Cipher = p.Cipher.String()
			if p.KeyUsed >= 0 {
				cl.Key = &p.KeyUsed
			}
		}
		for _, q := range p.CP {
			if q.Sentinel {
				cl.Sentinel++
			}
		}
		for _, w := range p.Warnings {
			cl.Warnings = append(cl.Warnings, w.Message)
		}
		if err := enc.Encode(cl); err != nil {
			fmt.Fprintf(e.stderr, "ecotax hj212 check: %v\n", err)
			return exitInternal
		}
		if rerr != nil {
			break
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "ecotax hj212 check: %v\n", err)
		return exitInternal
	}
	return exitOK
}

// readKeys reads a key file of `hj212 check`: one device a line, "MN KEY
// [PREVIOUS-KEY...]", each key 16 characters or 32 hex digits; blank lines
// and lines starting with "#" are skipped. With example, the example key
// of HJ 212-2025 Annex A.2 is tried for every device after its own keys.
// It returns nil when there are no keys at all.
func readKeys(name string, example bool) (hj212.KeyStore, error) {
	var ring hj212.Keyring
	n := 0
	if name != "" {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		for i, l := range strings.Split(string(b), "\n") {
			fs := strings.Fields(l)
			if len(fs) == 0 || strings.HasPrefix(fs[0], "#") {
				continue
			}
			if len(fs) < 2 {
				return nil, fmt.Errorf("%s:%d: want MN KEY [PREVIOUS-KEY...]", name, i+1)
			}
			var ks [][]byte
			for _, k := range fs[1:] {
				key := []byte(k)
				if len(k) == 32 {
					if h, err := hex.DecodeString(k); err == nil {
						key = h
					}
				}
				ks = append(ks, key)
			}
			if err := ring.Set(fs[0], ks[0], ks[1:]...); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", name, i+1, err)
			}
			n++
		}
	}
	if example {
		star := ring.Ciphers("*")
		if len(star) > 0 {
			return nil, fmt.Errorf("%s: keys for \"*\" need --no-example-key", name)
		}
		if err := ring.Set("*", hj212.StandardTestKey); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, nil
	}
	return &ring, nil
}

// skipLine: blank lines (only spaces or tabs) and comments. A comment
// starts with "#"; a packet starts with "##", so a line starting with "##"
// is always checked, however broken.
func skipLine(l []byte) bool {
	if len(bytes.Trim(l, " \t")) == 0 {
		return true
	}
	return l[0] == '#' && (len(l) == 1 || l[1] != '#')
}

// ---- hj212 listen ----------------------------------------------------------

func hj212Listen(e *env, args []string) int {
	fs := flag.NewFlagSet("hj212 listen", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	idle := fs.Duration("idle", 10*time.Minute, "close a connection that sends nothing for this long")
	batch := fs.Int("batch", 500, "packets per transaction at most")
	flush := fs.Duration("flush", 200*time.Millisecond, "store a partial batch this long after its first packet")
	refresh := fs.Duration("refresh", time.Minute, "bring the monthly figures up to date this often")
	committers := fs.Int("committers", 2, "transactions at once")
	perConn := fs.Int("per-conn", 1440, "packets read and not yet answered per connection at most")
	maxConns := fs.Int("max-conns", 10000, "connections at once at most")
	keyFile := fs.String("keys", "", "SM4 keys of the devices: MN KEY [PREVIOUS-KEY...] per line")
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 1 || *batch < 1 || *flush <= 0 || *idle <= 0 || *refresh <= 0 ||
		*committers < 1 || *perConn < 1 || *maxConns < 1 {
		fmt.Fprintln(e.stderr, hj212Usage)
		return exitInput
	}
	fileKeys, err := readKeys(*keyFile, false)
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax hj212 listen: %v\n", err)
		return exitInput
	}
	log := newLogger(e)
	svc, db, err := openApp(e)
	if err != nil {
		log.Error("database", slog.Any("error", err))
		return exitInternal
	}
	defer db.Close()
	keys := svc.DeviceKeys(fileKeys, 30*time.Second)
	ln, err := net.Listen("tcp", rest[0])
	if err != nil {
		log.Error("listen", slog.Any("error", err))
		return exitInput
	}
	l := listener.New(listener.FromApp(svc, cliPrincipal), listener.Config{Batch: *batch, Flush: *flush,
		Committers: *committers, PerConn: *perConn, MaxConns: *maxConns, Idle: *idle, Refresh: *refresh,
		Keys: keys, Log: log})
	log.Info("listening", slog.String("addr", ln.Addr().String()))
	if err := l.Serve(e.ctx, ln); err != nil {
		return exitInternal
	}
	return exitOK
}

// ---- hj212 key --------------------------------------------------------------

// hj212Key: key set MN (the key on standard input) and key show MN.
func hj212Key(e *env, args []string) int {
	if len(args) != 2 || (args[0] != "set" && args[0] != "show") {
		fmt.Fprintln(e.stderr, hj212Usage)
		return exitInput
	}
	mn := args[1]
	var key []byte
	if args[0] == "set" {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(e.stderr, "ecotax hj212 key: reading the key: %v\n", err)
			return exitInput
		}
		key = app.ParseKey(strings.TrimSpace(line))
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax hj212 key:", err)
		return exitInternal
	}
	defer db.Close()
	var out any
	if key != nil {
		out, err = svc.SetDeviceKey(e.ctx, cliPrincipal, mn, key)
	} else {
		out, err = svc.DeviceKeyInfos(e.ctx, cliPrincipal, mn)
	}
	if err != nil {
		// The error names the field and the rule, never the key.
		fmt.Fprintln(e.stderr, "ecotax hj212 key:", err)
		return exitFor(err)
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(e.stdout, string(b))
	return exitOK
}
