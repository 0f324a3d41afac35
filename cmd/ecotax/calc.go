package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/fixtures"
)

// maxRequestBytes bounds what `ecotax calc` reads, like the API's body limit.
const maxRequestBytes = 32 << 20

const calcUsage = "usage: ecotax calc [--format json|table] [--trace full|summary|none] [--jsonl] FILE|-"

// cmdCalc: ecotax calc [--format json|table] [--trace full|summary|none] [--jsonl] FILE|-
//
// With --jsonl the input is JSON Lines, one declaration per line, and
// the output one result (or problem) per line in the same order.
func cmdCalc(e *env, args []string) int {
	fs := flag.NewFlagSet("calc", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	format := fs.String("format", "json", "output format: json or table")
	traceFlag := fs.String("trace", "full", "trace in JSON output: full, summary (decisions only) or none")
	jsonl := fs.Bool("jsonl", false, "JSON Lines: one declaration per input line, one result or problem per output line, in order")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return exitInput
	}
	level, ok := calc.ParseTraceLevel(*traceFlag, calc.TraceFull)
	if len(rest) != 1 || (*format != "json" && *format != "table") || !ok || (*jsonl && *format != "json") {
		fmt.Fprintln(e.stderr, calcUsage)
		return exitInput
	}
	if *jsonl {
		return calcJSONL(e, rest[0], level)
	}
	data, err := readInput(e, rest[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax calc: %v\n", err)
		return exitInput
	}
	engine, err := loadEngine()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax calc: %v\n", err)
		return exitInternal
	}
	req, err := calc.DecodeRequest(data)
	if err == nil {
		var res *calc.Result
		if res, err = engine.Assess(req); err == nil {
			if *format == "table" {
				writeTable(e.stdout, res)
				return exitOK
			}
			out, err := json.MarshalIndent(leveled{res, level}, "", "  ")
			if err != nil {
				fmt.Fprintf(e.stderr, "ecotax calc: %v\n", err)
				return exitInternal
			}
			e.stdout.Write(append(out, '\n'))
			return exitOK
		}
	}
	return reportError(e, err)
}

// reportError prints a core error as problem JSON on stderr and picks the
// exit status: 2 for the user's input, 1 for our failure.
func reportError(e *env, err error) int {
	var ce *calc.Error
	if errors.As(err, &ce) {
		out, _ := json.MarshalIndent(ce, "", "  ")
		e.stderr.Write(append(out, '\n'))
		if ce.Kind == calc.KindInternal {
			return exitInternal
		}
		return exitInput
	}
	fmt.Fprintf(e.stderr, "ecotax: %v\n", err)
	return exitInternal
}

func readInput(e *env, name string) ([]byte, error) {
	var r io.Reader = e.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRequestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRequestBytes {
		return nil, fmt.Errorf("input is larger than %d bytes", maxRequestBytes)
	}
	return data, nil
}

// loadEngine reads the embedded parameter tables; a bad table stops the
// program with its file and line.
func loadEngine() (*calc.Engine, error) {
	t, err := fixtures.Load()
	if err != nil {
		return nil, fmt.Errorf("parameter tables: %w", err)
	}
	return calc.NewEngine(t)
}

// leveled writes a result with its trace at a level.
type leveled struct {
	res   *calc.Result
	level calc.TraceLevel
}

func (l leveled) MarshalJSON() ([]byte, error) { return l.res.MarshalJSONTrace(l.level) }
