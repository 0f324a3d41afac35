package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/budget"
	"github.com/ecotax/ecotax/budget/report"
)

const budgetUsage = `usage:
  ecotax budget compute [--format json|xlsx|svg] [--out FILE] INPUT|-
      a budget from an input file (tax months with their basis, damage cases,
      eco-compensation settlements, fee bills, scenarios; docs/budget.md)
  ecotax budget report [--format json|xlsx|svg] [--out FILE] (--region CODE --year YYYY | REQUEST|-)
      a budget from the service's database (DATABASE_URL, else ECOTAX_SQLITE_PATH
      or ./ecotax.db); REQUEST is {"region", "year", "scenarios"} as for
      POST /v1/budget/reports

--out defaults to standard output. Exit status 2: the request was rejected
(problem JSON on stderr, nothing written); 1: our failure.`

// cmdBudget: ecotax budget compute|report — the finance budget of the
// environmental money streams, by month and district, with scenarios.
func cmdBudget(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, budgetUsage)
		return exitInput
	}
	switch args[0] {
	case "compute":
		return budgetCompute(e, args[1:])
	case "report":
		return budgetReport(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, budgetUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax budget: unknown subcommand %q\n%s\n", args[0], budgetUsage)
	return exitInput
}

// budgetLimits: a budget reaches at most five years past the current year
// in Beijing (the only place the clock is read).
func budgetLimits() budget.Limits { return app.BudgetLimitsAt(time.Now()) }

type budgetFlags struct {
	format, out, region string
	year                int
}

func parseBudgetFlags(e *env, name string, args []string, withRegion bool) (*budgetFlags, []string, bool) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	f := &budgetFlags{}
	fs.StringVar(&f.format, "format", "json", "output: json, xlsx or svg")
	fs.StringVar(&f.out, "out", "-", "output file (- = standard output)")
	if withRegion {
		fs.StringVar(&f.region, "region", "", "GB/T 2260 code of the region")
		fs.IntVar(&f.year, "year", 0, "budget year")
	}
	rest, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, false
	}
	if f.format != "json" && f.format != "xlsx" && f.format != "svg" {
		fmt.Fprintf(e.stderr, "ecotax %s: --format must be json, xlsx or svg, not %q\n", name, f.format)
		return nil, nil, false
	}
	return f, rest, true
}

func budgetCompute(e *env, args []string) int {
	f, rest, ok := parseBudgetFlags(e, "budget compute", args, false)
	if !ok || len(rest) != 1 {
		fmt.Fprintln(e.stderr, budgetUsage)
		return exitInput
	}
	data, err := readInput(e, rest[0])
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax budget compute: %v\n", err)
		return exitInput
	}
	t, err := app.LoadTables()
	if err != nil {
		fmt.Fprintf(e.stderr, "ecotax budget: %v\n", err)
		return exitInternal
	}
	c := t.BudgetCalculators()
	in, scs, err := budget.DecodeInput(data, c, budgetLimits())
	if err != nil {
		return reportError(e, err)
	}
	res, err := budget.Compute(c, in, scs)
	if err != nil {
		return reportError(e, err)
	}
	return writeBudget(e, f, res, t.RegionNames())
}

func budgetReport(e *env, args []string) int {
	f, rest, ok := parseBudgetFlags(e, "budget report", args, true)
	if !ok || len(rest) > 1 || (len(rest) == 1) == (f.region != "" || f.year != 0) {
		fmt.Fprintln(e.stderr, budgetUsage)
		return exitInput
	}
	var data []byte
	if len(rest) == 1 {
		var err error
		if data, err = readInput(e, rest[0]); err != nil {
			fmt.Fprintf(e.stderr, "ecotax budget report: %v\n", err)
			return exitInput
		}
	} else {
		data = []byte(`{"region":` + strconv.Quote(f.region) + `,"year":` + strconv.Itoa(f.year) + `}`)
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax budget report:", err)
		return exitInternal
	}
	defer db.Close()
	rr, err := budget.DecodeReport(data, svc.BudgetCalculators(), svc.BudgetLimits())
	if err != nil {
		return reportError(e, err)
	}
	res, err := svc.BudgetReport(e.ctx, cliPrincipal, rr)
	if err != nil {
		return reportError(e, err)
	}
	return writeBudget(e, f, res, svc.RegionNames())
}

// writeBudget writes a budget as JSON, SVG or the finance page's
// workbook (report.View: the same tables as the page and the API).
func writeBudget(e *env, f *budgetFlags, res *budget.Result, names map[string]string) int {
	var out []byte
	switch f.format {
	case "xlsx":
		var err error
		if out, err = report.ViewXLSX(report.NewView(res, names)); err != nil {
			fmt.Fprintln(e.stderr, "ecotax budget:", err)
			return exitInternal
		}
	case "svg":
		out = report.SVG(res)
	default:
		if f.out == "-" {
			return compWriteJSON(e, res)
		}
		var err error
		if out, err = marshalIndent(res); err != nil {
			fmt.Fprintln(e.stderr, "ecotax budget:", err)
			return exitInternal
		}
	}
	if f.out == "-" {
		if _, err := e.stdout.Write(out); err != nil {
			fmt.Fprintln(e.stderr, "ecotax budget:", err)
			return exitInternal
		}
		return exitOK
	}
	if err := os.WriteFile(f.out, out, 0o644); err != nil {
		fmt.Fprintln(e.stderr, "ecotax budget:", err)
		return exitInternal
	}
	return exitOK
}

// marshalIndent is compWriteJSON's encoding, into a buffer.
func marshalIndent(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return b.Bytes(), err
}
