package main

import (
	"encoding/json"
	"flag"
	"fmt"
)

// hj212Retention: ecotax hj212 retention [--months N] applies the
// retention setting for raw monitoring data once (app.DropRawData).
func hj212Retention(e *env, args []string) int {
	fs := flag.NewFlagSet("hj212 retention", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	months := fs.Int("months", 0, "months of raw data kept before the current one (default $ECOTAX_RAW_RETENTION_MONTHS)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(e.stderr, hj212Usage)
		return exitInput
	}
	conf, err := e.config()
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax hj212 retention:", err)
		return exitInput
	}
	keep := *months
	if keep == 0 {
		keep = conf.RawRetention
	}
	if keep == 0 {
		fmt.Fprintln(e.stderr, "ecotax hj212 retention: no setting: give --months N or set ECOTAX_RAW_RETENTION_MONTHS")
		return exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax hj212 retention:", err)
		return exitInternal
	}
	defer db.Close()
	r, err := svc.DropRawData(e.ctx, cliPrincipal, keep)
	if err != nil {
		return reportError(e, err)
	}
	b, _ := json.Marshal(r)
	fmt.Fprintln(e.stdout, string(b))
	return exitOK
}
