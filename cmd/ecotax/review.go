package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/exchange"
	"github.com/ecotax/ecotax/filing"
)

const reviewUsage = `usage:
  ecotax review list [--overdue] [--today YYYY-MM-DD] [--taxpayer CODE] [--period P] [--status open|answered|applied|closed] [--region CODE]

Lists 复核 requests (环境保护税法 第二十条) as JSON, earliest deadline first.
--overdue keeps the open ones past their last day as of --today (default:
today in Beijing). Uses the database of ecotax serve.`

// cmdReview lists review requests through the application layer, as the
// operator (admin#0), bound to --region when given; opening and answering
// them is done by the officers through the API and the pages.
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
	case *region != "" && !calc.ValidRegion(*region):
		fmt.Fprintln(e.stderr, "ecotax review: --region must be a 6-digit GB/T 2260 code")
		return exitInput
	}
	svc, db, err := openApp(e)
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax review:", err)
		return exitInternal
	}
	defer db.Close()
	list, err := svc.Reviews(app.WithRequestID(e.ctx, "cli"), operator(*region),
		app.ReviewFilter{CreditCode: *taxpayer, Period: *period, Status: *status, Overdue: *overdue, Today: day})
	if err != nil {
		fmt.Fprintln(e.stderr, "ecotax review:", err)
		return exitInternal
	}
	type row struct {
		exchange.Review
		Overdue  bool `json:"overdue"`
		DaysLate int  `json:"days_late"`
	}
	out := []row{}
	for _, r := range list.Reviews {
		out = append(out, row{Review: *r.Review, Overdue: r.Overdue, DaysLate: r.DaysLate})
	}
	return writeJSON(e, map[string]any{"today": day, "reviews": out})
}
