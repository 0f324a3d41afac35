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

	"github.com/ecotax/ecotax/hj212"
)

const hj212Usage = `usage:
  ecotax hj212 check [--strict] FILE|-

check reads one HJ 212 packet per line ("-" reads standard input), without
its CR LF. Blank lines and comment lines (starting with "#" but not "##")
are skipped; a trailing CR (and a UTF-8 byte-order mark at the start of the
file) is removed. For each packet it prints one JSON
line:
  {"line":N,"verdict":"valid|lenient|rejected","reason":"...","cn":"...","mn":"...","values":N}
line is the 1-based line number in the input, values the number of CP
key=value pairs parsed, and "warnings" lists oddities that did not decide
the verdict (only when there are any). By default a CRC computed as plain
CRC-16/MODBUS with swapped bytes is accepted as "lenient"; --strict accepts
only the HJ 212-2017 Annex A CRC. Exit status 0 when the file was read
(whatever the verdicts), 2 for usage errors or unreadable input.`

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
	Values   int      `json:"values"`
	Warnings []string `json:"warnings,omitempty"`
}

func hj212Check(e *env, args []string) int {
	fs := flag.NewFlagSet("hj212 check", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	strict := fs.Bool("strict", false, "accept only the HJ 212-2017 Annex A CRC (no lenient verdicts)")
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 1 {
		fmt.Fprintln(e.stderr, hj212Usage)
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
	opt := hj212.Options{Lenient: !*strict}

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
		cl := checkLine{Line: n, Verdict: p.Verdict.String(), Reason: p.Reason, CN: p.CN, MN: p.MN, Values: len(p.CP)}
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

// skipLine: blank lines (only spaces or tabs) and comments. A comment
// starts with "#"; a packet starts with "##", so a line starting with "##"
// is always checked, however broken.
func skipLine(l []byte) bool {
	if len(bytes.Trim(l, " \t")) == 0 {
		return true
	}
	return l[0] == '#' && (len(l) == 1 || l[1] != '#')
}
