package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit statuses shared by every command.
const (
	exitOK       = 0
	exitInternal = 1 // our failure (bad fixtures, I/O, database)
	exitInput    = 2 // the user's input was rejected
)

// env is what a command may touch of the outside world. Tests build one
// with buffers and a map so the whole binary runs in-process.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	configOnce
}

type command struct {
	run   func(e *env, args []string) int
	usage string
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]command{
	"calc":      {cmdCalc, "calc [--format json|table] [--trace full|summary|none] [--jsonl] FILE|-   assess a declaration (JSON contract; --jsonl: one per line) and print the result"},
	"fees":      {cmdFees, "fees list|show|calc   differentiated fees: list schedules, show one, compute a fee with its trace"},
	"hj212":     {cmdHJ212, "hj212 check FILE|- | listen ADDR   verify HJ 212 packets (one JSON verdict per line); receive them over TCP"},
	"damage":    {cmdDamage, "damage calc|list   damage compensation claim (virtual treatment cost, 民法典 第1235条) with its trace"},
	"budget":    {cmdBudget, "budget compute|report   finance budget of tax, damage, eco-compensation and fees by month and district, with scenarios (JSON, XLSX, SVG)"},
	"ecocomp":   {cmdEcocomp, "ecocomp settle|list   horizontal eco-compensation: section × month → annual settlement netted per pair"},
	"serve":     {cmdServe, "serve [--addr HOST:PORT]   run the HTTP API (DATABASE_URL for PostgreSQL, else SQLite at $ECOTAX_SQLITE_PATH or ./ecotax.db)"},
	"token":     {cmdToken, "token create --role ROLE [--taxpayer CODE] [--region CODE] | list | revoke ID   manage API tokens"},
	"import":    {cmdImport, "import hj212 [--stream] FILE...   store HJ 212 packets (every verdict kept, resends are no-ops) and update the monthly figures"},
	"reconcile": {cmdReconcile, "reconcile run|flags|show --period P   declared vs monitored per outlet, pollutant and month, the tax of both, risk flags"},
	"exchange":  {cmdExchange, "exchange export|import|verify   signed batches of the tax–environment exchange (涉税信息共享) as JSON Lines, CSV or XLSX"},
	"review":    {cmdReview, "review list [--overdue]   复核 requests and their 15-day deadline (环境保护税法 第二十条)"},
}

// run is the whole program; main only calls it.
func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitInput
		}
		return exitOK
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ecotax: unknown command %q\n", args[0])
		printUsage(stderr)
		return exitInput
	}
	// Every variable is checked before any command runs (config.go).
	if _, err := e.config(); err != nil {
		fmt.Fprintln(stderr, "ecotax:", err)
		return exitInput
	}
	return c.run(e, args[1:])
}

func printUsage(w io.Writer) {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: ecotax COMMAND [ARGS]\n\ncommands:\n")
	for _, n := range names {
		b.WriteString("  ")
		b.WriteString(commands[n].usage)
		b.WriteString("\n")
	}
	io.WriteString(w, b.String())
}

// parseArgs parses flags wherever they stand among the positional
// arguments (ecotax calc FILE --format table), returning the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
