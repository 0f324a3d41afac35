package app

import (
	"context"
	"strconv"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store"
)

// MaxRawRetentionMonths bounds the retention setting (a hundred years):
// a larger figure is a typing mistake, not a policy.
const MaxRawRetentionMonths = 1200

// RawRetention is what one application of the retention setting did.
type RawRetention struct {
	KeepMonths int      `json:"keep_months"` // the setting
	Before     string   `json:"before"`      // raw data of months before this one (YYYY-MM) are dropped
	Months     []string `json:"months"`      // the months whose raw data were dropped now
}

// RawRetentionBefore is the first month whose raw data a setting of keep
// months keeps at now: the current month and the keep months before it.
// It is pure (the background job and the command share it).
func RawRetentionBefore(now time.Time, keep int) string {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m-time.Month(keep), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// checkRetention refuses a setting outside 1 … MaxRawRetentionMonths.
func checkRetention(keep int) error {
	if keep < 1 || keep > MaxRawRetentionMonths {
		return calc.Invalid([]calc.FieldError{{Path: "keep_months", Code: "out_of_range",
			Message: "keep raw data for 1 to " + strconv.Itoa(MaxRawRetentionMonths) + " months (the current month is always kept)"}})
	}
	return nil
}

// DropRawData applies the retention setting for raw monitoring data: the
// real-time (2011, 30-second) and minute (2051) values of every month
// before RawRetentionBefore(now, keep) are dropped (on PostgreSQL whole
// partitions, store.DropRawBefore), in one transaction with its audit
// entry. The packets as received and the hour and day values stay, so the
// monthly figures (computed from hour and day data) do not change, and
// come out the same when computed again.
func (s *Service) DropRawData(ctx context.Context, p filing.Principal, keep int) (*RawRetention, error) {
	if err := allowed(p, filing.ActRawRetention); err != nil {
		return nil, err
	}
	if err := checkRetention(keep); err != nil {
		return nil, err
	}
	var out *RawRetention
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		r := &RawRetention{KeepMonths: keep, Before: RawRetentionBefore(s.now(), keep)}
		months, err := tx.DropRawBefore(r.Before)
		if err != nil {
			return err
		}
		r.Months = months
		if err := audit(ctx, tx, p, filing.ActRawRetention, "monitoring_data", r.Before, "", nil, r); err != nil {
			return err
		}
		out = r
		return nil
	})
	return out, failed(err, "app: dropping raw monitoring data before the last "+strconv.Itoa(keep)+" months")
}

// KeepRawRetention is the bounded background job of a long-running
// process (ecotax serve): at start and then every interval it applies the
// retention setting of keep months as p (one run at a time, each within
// limit), until ctx ends. Each error goes to report; the next round tries
// again.
func (s *Service) KeepRawRetention(ctx context.Context, p filing.Principal, keep int, every, limit time.Duration, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		run, cancel := context.WithTimeout(ctx, limit)
		_, err := s.DropRawData(run, p, keep)
		cancel()
		if err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
