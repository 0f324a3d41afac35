package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

const reviewUsage = `usage:
  ecotax review list [--overdue] [--today YYYY-MM-DD] [--taxpayer CODE] [--period P] [--status open|answered|applied|closed] [--region CODE]

Lists 复核 requests (环境保护税法 第二十条) as JSON, earliest deadline first.
--overdue keeps the open ones past their last day as of --today (default:
today in Beijing). Uses the database of ecotax serve.`

// cmdReview lists review requests; opening and answering them is the
// HTTP API's work (roles, versions, audit).
func cmdReview(e *env, args []string) int {
	if len(args) == 0 || args[0] != "list" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(e.stdout, reviewUsage)
			return exitOK
		}
		fmt.Fprintln(e.stderr, reviewUsage)
		return exitInput
	}
	fs := flag.NewFlagSet("review list", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	overdue := fs.Bool("overdue", false, "only open reviews past their last day")
	today := fs.String("today", "", "the day to judge against, YYYY-MM-DD (default: today in Beijing)")
	taxpayer := fs.String("taxpayer", "", "统一社会信用代码")
	period := fs.String("period", "", "YYYY-Qn or YYYY-MM-DD")
	status := fs.String("status", "", "open, answered, applied or closed")
	region := fs.String("region", "", "GB/T 2260 code")
	if pos, err := parseArgs(fs, args[1:]); err != nil || len(pos) > 0 {
		fmt.Fprintln(e.stderr, reviewUsage)
		return exitInput
	}
	day := filing.Today(time.Now())
	if *today != "" {
		d, err := filing.ParseDate(*today)
		if err != nil {
			fmt.Fprintln(e.stderr, "ecotax review: --today:", err)
			return exitInput
		}
		day = d
	}
	switch {
	case *status != "" && *status != exchange.ReviewOpen && *status != exchange.ReviewAnswered && *status != exchange.ReviewApplied && *status != exchange.ReviewClosed:
		fmt.Fprintln(e.stderr, "ecotax review: --status is open, answered, applied or closed")
		return exitInput
	case *region != "" && !filing.ValidRegion(*region):
		fmt.Fprintln(e.stderr, "ecotax review: --region must be a 6-digit GB/T 2260 code")
		return exitInput
	}
	f := store.ReviewFilter{CreditCode: *taxpayer, Period: *period, Status: *status, Limit: 1 << 30}
	if *region != "" {
		f.RegionPrefix = filing.RegionPrefix(*region)
	}
	if *overdue {
		f.OverdueOn = day
	}
	db, err := openStore(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax review:", err)
		return exitInternal
	}
	defer db.Close()
	var list []exchange.Review
	if err := db.InTx(e.ctx, func(tx *store.Tx) error {
		list, err = tx.ListReviews(f)
		return err
	}); err != nil {
		fmt.Fprintln(e.stderr, "ecotax review:", err)
		return exitInternal
	}
	type row struct {
		exchange.Review
		Overdue  bool `json:"overdue"`
		DaysLate int  `json:"days_late"`
	}
	out := []row{}
	for _, r := range list {
		x := row{Review: r}
		last, on := r.Deadline.Day(), day.Day()
		if r.Status != exchange.ReviewOpen {
			on = r.AnsweredOn.Day()
		} else {
			x.Overdue = exchange.Overdue(last, on)
		}
		x.DaysLate = exchange.DaysLate(last, on)
		out = append(out, x)
	}
	return writeJSON(e, map[string]any{"today": day, "reviews": out})
}
