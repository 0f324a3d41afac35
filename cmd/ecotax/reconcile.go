package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

const reconcileUsage = `usage:
  ecotax reconcile run --period 2024-Q1 [--region CODE] [--taxpayer CODE] [--as-of YYYY-MM-DD] [--format json|table]
  ecotax reconcile flags --period 2024-Q1 [--region CODE] [--taxpayer CODE] [--code FLAG]
  ecotax reconcile show --period 2024-Q1 --taxpayer CODE

run compares, for every taxpayer in scope (a GB/T 2260 region code, read
as a prefix: 500000 is all of Chongqing; or one credit code), the latest
submitted or accepted declaration of the period with the online
monitoring data, outlet by outlet, pollutant by pollutant and month by
month; runs the tax engine on both; raises the risk flags (风险疑点); and
stores the run, whose results then stand for those taxpayers and period
(环境保护税法 第二十条; 实施条例 第二十一条、第二十二条). --as-of is the day
of the run (default today, Beijing time): no_declaration is raised only
after the deadline. JSON (default) prints the run and one summary per
taxpayer; table prints one line per taxpayer. A run of more than 1 000
taxpayers is stored a slice at a time and prints the run without
summaries (read them with flags and show).

flags prints the standing flags of a period, one JSON line each; show
prints a taxpayer's standing items and flags as JSON.

The database is DATABASE_URL (PostgreSQL) or the SQLite file
$ECOTAX_SQLITE_PATH (default ./ecotax.db). Exit 0 on success, 2 for usage
errors, 1 for internal failures.`

// cmdReconcile: ecotax reconcile run|flags|show.
func cmdReconcile(e *env, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, reconcileUsage)
		return exitInput
	}
	switch args[0] {
	case "run":
		return reconcileRun(e, args[1:])
	case "flags":
		return reconcileFlags(e, args[1:])
	case "show":
		return reconcileShow(e, args[1:])
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, reconcileUsage)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "ecotax reconcile: unknown subcommand %q\n%s\n", args[0], reconcileUsage)
	return exitInput
}

// scopeFlags are the flags every subcommand shares.
type scopeFlags struct {
	period, region, taxpayer *string
}

func addScope(fs *flag.FlagSet) scopeFlags {
	return scopeFlags{
		period:   fs.String("period", "", "declaration period, YYYY-Qn (or YYYY-MM-DD per occasion)"),
		region:   fs.String("region", "", "GB/T 2260 region code (a prefix: 500000 = all of Chongqing)"),
		taxpayer: fs.String("taxpayer", "", "one taxpayer's credit code"),
	}
}

// check validates the shared flags; it returns a message or "".
func (s scopeFlags) check() (filing.Period, string) {
	per, err := filing.ParsePeriod(*s.period)
	if err != nil {
		return per, "--period: " + err.Error()
	}
	if *s.region != "" && !calc.ValidRegion(*s.region) {
		return per, "--region must be a 6-digit GB/T 2260 code"
	}
	if *s.taxpayer != "" {
		if msg := filing.CheckCreditCode(*s.taxpayer); msg != "" {
			return per, "--taxpayer: " + msg
		}
	}
	return per, ""
}

func (s scopeFlags) prefix() string {
	if *s.region == "" {
		return ""
	}
	return calc.RegionPrefix(*s.region)
}

func reconcileRun(e *env, args []string) int {
	fs := flag.NewFlagSet("reconcile run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sf := addScope(fs)
	asOf := fs.String("as-of", "", "the day of the run, YYYY-MM-DD (default today in Beijing)")
	format := fs.String("format", "json", "json or table")
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 0 || (*format != "json" && *format != "table") {
		fmt.Fprintln(e.stderr, reconcileUsage)
		return exitInput
	}
	per, msg := sf.check()
	if msg != "" {
		fmt.Fprintln(e.stderr, "ecotax reconcile run:", msg)
		return exitInput
	}
	day := filing.Today(time.Now())
	if *asOf != "" {
		if day, err = filing.ParseDate(*asOf); err != nil {
			fmt.Fprintln(e.stderr, "ecotax reconcile run: --as-of:", err)
			return exitInput
		}
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile run:", err)
		return exitInternal
	}
	defer db.Close()
	defer reconcileHeap()()
	cr, err := svc.RunReconciliation(e.ctx, cliPrincipal, app.Idem{}, app.RunRequest{Period: per.Text, Region: *sf.region, CreditCode: *sf.taxpayer, AsOf: day})
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile run:", err)
		return exitFor(err)
	}
	run, results := cr.Value.Run, cr.Value.Detail
	if *format == "table" {
		writeRunTable(e.stdout, run, results)
		return exitOK
	}
	// The API's summary, with each flag labelled by month, outlet and
	// pollutant.
	out := struct {
		Run     *store.Run       `json:"run"`
		Results []app.RunSummary `json:"results"`
	}{Run: run, Results: cr.Value.Results}
	for i, res := range results {
		out.Results[i].Flags = []string{}
		for _, f := range res.Flags {
			out.Results[i].Flags = append(out.Results[i].Flags, flagLabel(&f))
		}
	}
	return writeJSON(e, out)
}

func flagLabel(f *reconcile.Flag) string {
	parts := []string{f.Code}
	for _, p := range []string{f.Month, f.OutletNo, f.Pollutant} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

func writeJSON(e *env, v any) int {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile:", err)
		return exitInternal
	}
	return exitOK
}

func writeRunTable(w io.Writer, run *store.Run, results []*reconcile.Result) {
	fmt.Fprintf(w, "比对 %d  所属期 %s  范围 %s  纳税人 %d  比对项 %d  风险疑点 %d\n", run.ID, run.Period, orAll(run.Region+run.CreditCode), run.Taxpayers, run.Items, run.Flags)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "纳税人识别号\t名称\t状态\t申报税额\t监测税额\t差额\t疑点")
	for _, r := range results {
		var fl []string
		for _, f := range r.Flags {
			fl = append(fl, flagLabel(&f))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.CreditCode, r.Name, r.Status, amount(r.DeclaredTax), amount(r.MonitoredTax),
			amount(r.TaxDifference), strings.Join(fl, "; "))
	}
	tw.Flush()
}

func orAll(s string) string {
	if s == "" {
		return "全部"
	}
	return s
}

func amount(d filing.Money) string {
	if !d.Valid {
		return "-"
	}
	return d.Decimal.StringFixed(2)
}

func reconcileFlags(e *env, args []string) int {
	fs := flag.NewFlagSet("reconcile flags", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sf := addScope(fs)
	code := fs.String("code", "", "only this flag code")
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 0 {
		fmt.Fprintln(e.stderr, reconcileUsage)
		return exitInput
	}
	per, msg := sf.check()
	if msg != "" {
		fmt.Fprintln(e.stderr, "ecotax reconcile flags:", msg)
		return exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile flags:", err)
		return exitInternal
	}
	defer db.Close()
	flags, err := svc.Flags(e.ctx, cliPrincipal, store.FlagFilter{Period: per.Text, CreditCode: *sf.taxpayer, Code: *code}, *sf.region)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile flags:", err)
		return exitFor(err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	for _, f := range flags {
		if err := enc.Encode(f); err != nil {
			fmt.Fprintln(e.stderr, "ecotax reconcile flags:", err)
			return exitInternal
		}
	}
	return exitOK
}

func reconcileShow(e *env, args []string) int {
	fs := flag.NewFlagSet("reconcile show", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	sf := addScope(fs)
	rest, err := parseArgs(fs, args)
	if err != nil || len(rest) != 0 || *sf.taxpayer == "" {
		fmt.Fprintln(e.stderr, reconcileUsage)
		return exitInput
	}
	per, msg := sf.check()
	if msg != "" {
		fmt.Fprintln(e.stderr, "ecotax reconcile show:", msg)
		return exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile show:", err)
		return exitInternal
	}
	defer db.Close()
	out, err := svc.Reconciliation(e.ctx, cliPrincipal, *sf.taxpayer, per.Text)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax reconcile show:", err)
		if ce, ok := err.(*calc.Error); ok && ce.Code == "not_reconciled" {
			fmt.Fprintln(e.stderr, "run ecotax reconcile run first")
		}
		return exitFor(err)
	}
	return writeJSON(e, out)
}

// reconcileHeap sets the collector for a process that runs one large
// reconciliation: GOGC 400 under a memory limit of 250 MiB, unless GOGC
// or GOMEMLIMIT is set (which then decide). With the default GOGC 100
// the heap of a province-sized run (10⁵ taxpayers) grew to twice its
// live data, above 300 MB, and the collector ran at every doubling;
// with these settings it runs when the heap reaches the limit, which
// took a tenth to a fifth of the run's CPU time away and kept the peak
// RSS under 300 MB (docs/scale.md). A run whose live data approached the
// limit (the peer book of ≈ 10⁶ taxpayers) would make the collector work
// hard (at most half the CPU) rather than fail; set GOMEMLIMIT for such
// a run. The previous settings come back when the returned function is
// called. `ecotax serve` leaves the collector alone: its background
// runs share the process with every request (set GOGC and GOMEMLIMIT
// there as the operator sees fit).
func reconcileHeap() func() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(250 << 20)
	pct := debug.SetGCPercent(400)
	return func() {
		debug.SetGCPercent(pct)
		debug.SetMemoryLimit(limit)
	}
}
