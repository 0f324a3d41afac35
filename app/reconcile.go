package app

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Reconciliation (比对): a run compares, for every taxpayer in scope, the
// latest submitted or accepted declaration of a period with the online
// monitoring data, raises the risk flags (风险疑点) and stores the run,
// whose results then stand for those taxpayers and that period.

// RunRequest asks for a reconciliation run: a period, and a region
// (GB/T 2260, read as a prefix; "" = the principal's own) or one
// taxpayer. AsOf is the day of the run ("" = today in Beijing).
type RunRequest struct {
	Period     string
	Region     string
	CreditCode string
	AsOf       filing.Date
	// Progress (may be nil) hears, after each slice of taxpayers, how
	// many of the total are reconciled and their items stored.
	Progress func(done, total int)
}

// RunView is a stored run with one summary per taxpayer; Detail holds
// the full results (items and flags) for a door that shows more.
type RunView struct {
	Run     *store.Run          `json:"run"`
	Results []RunSummary        `json:"results"`
	Detail  []*reconcile.Result `json:"-"`
}

// RunSummary is one taxpayer's result in a run.
type RunSummary struct {
	CreditCode    string       `json:"credit_code"`
	Name          string       `json:"name"`
	Status        string       `json:"status"`
	Revision      *int         `json:"revision"`
	DeclaredTax   filing.Money `json:"declared_tax"`
	MonitoredTax  filing.Money `json:"monitored_tax"`
	TaxDifference filing.Money `json:"tax_difference"`
	Items         int          `json:"items"`
	Flags         []string     `json:"flags"`
}

// officerRegion checks a region asked for against the principal's: an
// officer bound to a region works inside it ("" means the principal's
// own). It returns the region and its prefix ("" = everywhere).
func officerRegion(p filing.Principal, region string) (string, string, error) {
	if region != "" && !calc.ValidRegion(region) {
		return "", "", calc.Invalid([]calc.FieldError{{Path: "region", Code: "invalid_value", Message: "region must be a 6-digit GB/T 2260 code"}})
	}
	if p.Region != "" {
		if region == "" {
			region = p.Region
		}
		if !strings.HasPrefix(calc.RegionPrefix(region), calc.RegionPrefix(p.Region)) {
			return "", "", Fail(KindForbidden, "region_out_of_scope", "超出令牌的行政区划", "region "+region+" is outside this token's region "+p.Region,
				calc.FieldError{Path: "region", Code: "region_out_of_scope", Message: "outside " + p.Region})
		}
	}
	prefix := ""
	if region != "" {
		prefix = calc.RegionPrefix(region)
	}
	return region, prefix, nil
}

// officersOnly refuses enterprise principals on the listings across
// taxpayers (an enterprise reads its own reconciliation per taxpayer).
func officersOnly(p filing.Principal, act filing.Action) error {
	if err := allowed(p, act); err != nil {
		return err
	}
	if p.Role == filing.RoleEnterprise {
		return Fail(KindForbidden, "forbidden", "无权执行该操作", "an enterprise token reads its own reconciliation at /v1/taxpayers/{code}/reconciliation")
	}
	return nil
}

// abandonedAfter is how long an unfinished run waits for its retry: a
// client continues a stopped run by sending the same request again within
// moments (a run of 100,000 taxpayers takes under a minute); one still
// unfinished a day later is deleted when the next run begins.
const abandonedAfter = 24 * time.Hour

// RunReconciliation runs a reconciliation and stores it. The monthly
// figures are brought up to date first; the scope is cut into slices of
// reconcileSlice taxpayers (credit-code ranges), and slice after slice the
// inputs are loaded (on PostgreSQL by queries side by side, each in a read
// transaction of its own, one slice ahead), the taxpayers reconciled on
// every core, and the slice's items, results and flags stored in a
// transaction of its own; only what the region-wide peer comparison reads
// of each result stays (reconcile.PeerBook). The comparison runs at the
// end, and its changes (the intensities' peers, the flags it adds, the
// statuses) go in with the end of the run, which makes its results the
// standing ones. A run that stops half-way (a crash, a cancelled
// request) stays unlisted and not current; the same request again with
// the same Idempotency-Key continues it after its last stored slice. A
// run of more than one slice answers without per-taxpayer summaries and
// Detail (read /v1/reconciliation/results, a page at a time).
func (s *Service) RunReconciliation(ctx context.Context, p filing.Principal, k Idem, in RunRequest) (*Created[*RunView], error) {
	per, region, prefix, err := checkRun(p, in)
	if err != nil {
		return nil, err
	}
	if err := k.check(); err != nil {
		return nil, err
	}
	r, err := reconcile.New(s.t.Engine, s.t.Reconcile, per)
	if err != nil {
		return nil, err
	}
	dl, err := s.t.Filing.DeadlineOf(per)
	if err != nil {
		return nil, err
	}
	asOf := filing.Today(s.now())
	if in.AsOf != "" {
		if asOf, err = filing.ParseDate(string(in.AsOf)); err != nil {
			return nil, calc.Invalid([]calc.FieldError{{Path: "as_of", Code: "invalid_value", Message: err.Error()}})
		}
	}
	sc := store.Scope{Period: per, Region: region, RegionPrefix: prefix, CreditCode: in.CreditCode, Deadline: dl.Date.Day(), AsOf: asOf.Day()}
	if in.CreditCode != "" {
		if err := s.store.View(ctx, func(tx *store.Tx) error {
			_, err := visibleTaxpayer(tx, p, in.CreditCode)
			return err
		}); err != nil {
			return nil, err
		}
	}
	// A request answered already is replayed (create checks again at the
	// end); one begun and stopped is continued.
	resumeKey := ""
	if k.Key != "" {
		var replay *Created[*RunView]
		if err := s.store.View(ctx, func(tx *store.Tx) error {
			prev, err := tx.GetIdempotency(p.TokenID, k.Key)
			if err != nil || prev == nil {
				return err
			}
			if prev.RequestHash != k.Hash {
				return idemReused()
			}
			replay = &Created[*RunView]{Body: []byte(prev.Body), Ref: prev.Location, Replayed: true}
			return nil
		}); err != nil {
			return nil, err
		}
		if replay != nil {
			return replay, nil
		}
		resumeKey = strconv.FormatInt(p.TokenID, 10) + " " + k.Hash + " " + k.Key
	}
	if _, err := s.RefreshFigures(ctx, 0); err != nil {
		return nil, err
	}
	// Runs stopped a day ago and never continued take room and nothing
	// else: they go before a new one begins, in a transaction of their own.
	if err := s.store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.DropAbandonedRuns(abandonedAfter)
		if n > 0 {
			slog.Info("reconciliation runs left unfinished were deleted", slog.Int("runs", n), slog.Duration("older_than", abandonedAfter))
		}
		return err
	}); err != nil {
		return nil, failed(err, "app: deleting unfinished reconciliation runs")
	}
	run := &store.Run{Period: sc.Period.Text, Region: sc.Region, CreditCode: sc.CreditCode, AsOf: filing.DateOf(sc.AsOf), CreatedBy: p.Actor()}
	doneThrough := ""
	if err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if resumeKey != "" {
			open, through, err := tx.OpenRun(resumeKey)
			if err != nil {
				return err
			}
			if open != nil {
				run, doneThrough = open, through
				return nil
			}
		}
		return tx.InsertRun(run, r.Set, resumeKey)
	}); err != nil {
		return nil, failed(err, "app: beginning the run of "+sc.Period.Text+" in region "+orAll(sc.Region+sc.CreditCode))
	}
	// A continued run keeps the day it began with.
	if d, err := filing.ParseDate(string(run.AsOf)); err != nil {
		return nil, err
	} else {
		sc.AsOf = d.Day()
	}
	var (
		slices []store.Scope
		total  int
	)
	if err := s.store.View(ctx, func(tx *store.Tx) error {
		x := sc
		x.After = doneThrough
		var err error
		slices, total, err = tx.ReconcileSlices(x, reconcileSlice)
		if err == nil && len(slices) > 1 && reconcileBulk < reconcileSlice {
			// Stored a slice at a time anyway: in smaller slices.
			slices, total, err = tx.ReconcileSlices(x, reconcileBulk)
		}
		return err
	}); err != nil {
		return nil, failed(err, "app: listing the taxpayers of "+sc.Period.Text+" in region "+orAll(sc.Region+sc.CreditCode))
	}
	book := reconcile.NewPeerBook()
	keep := len(slices) <= 1 && doneThrough == ""
	results, through, err := s.reconcileSlices(ctx, r, sc, run, doneThrough, slices, total, keep, book, in.Progress)
	if err != nil {
		return nil, failed(err, "app: reconciling and storing "+sc.Period.Text+" in region "+orAll(sc.Region+sc.CreditCode))
	}
	book.Compare(r.Set, sc.AsOf)
	if keep {
		reconcile.Peers(results, r.Set, sc.AsOf) // the same comparison, for the answer's detail
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*RunView], error) {
		var none created[*RunView]
		if in.CreditCode != "" {
			if _, err := visibleTaxpayer(tx, p, in.CreditCode); err != nil {
				return none, err
			}
		}
		err := tx.ApplyPeers(run.ID, func(yield func(*reconcile.Result) error) error { return book.Changed(r.Set, sc.AsOf, yield) })
		if err == nil {
			err = tx.FinishRun(run, through, book.Flags())
		}
		if err != nil {
			return none, failed(err, "app: storing the peer comparison of "+sc.Period.Text+" in region "+orAll(sc.Region+sc.CreditCode))
		}
		id := itoa(run.ID)
		if err := audit(ctx, tx, p, filing.ActReconcileRun, "reconciliation", id, in.CreditCode, nil, run); err != nil {
			return none, err
		}
		v := &RunView{Run: run, Results: []RunSummary{}}
		if keep {
			v.Detail = results
		}
		for _, res := range results {
			sum := RunSummary{res.CreditCode, res.Name, res.Status, res.Revision, res.DeclaredTax, res.MonitoredTax, res.TaxDifference,
				len(res.Items), []string{}}
			for _, f := range res.Flags {
				sum.Flags = append(sum.Flags, f.Code)
			}
			v.Results = append(v.Results, sum)
		}
		return created[*RunView]{v, "reconciliations/" + id, 0}, nil
	})
}

// checkRun checks a run request: permission, period, credit code and the
// region against the principal's; it gives the period, region and prefix.
func checkRun(p filing.Principal, in RunRequest) (per filing.Period, region, prefix string, err error) {
	if err = allowed(p, filing.ActReconcileRun); err != nil {
		return
	}
	if per, err = parsePeriod(in.Period); err != nil {
		return
	}
	if in.CreditCode != "" {
		if msg := filing.CheckCreditCode(in.CreditCode); msg != "" {
			err = calc.Invalid([]calc.FieldError{{Path: "credit_code", Code: "invalid_credit_code", Message: msg}})
			return
		}
	}
	region, prefix, err = officerRegion(p, in.Region)
	return
}

func orAll(scope string) string {
	if scope == "" {
		return "all"
	}
	return scope
}

// loadInputs loads a scope's inputs: on PostgreSQL each query of a round
// in a read transaction of its own, side by side; on SQLite (one writer,
// reads that gain nothing from it) in one read transaction.
func (s *Service) loadInputs(ctx context.Context, sc store.Scope) ([]*reconcile.Input, error) {
	if s.store.Dialect() != store.Postgres {
		var ins []*reconcile.Input
		err := s.store.View(ctx, func(tx *store.Tx) error {
			var err error
			ins, err = tx.ReconcileInputs(sc)
			return err
		})
		return ins, err
	}
	side := func(loads []func(tx *store.Tx) error) error {
		errs := make([]error, len(loads))
		var wg sync.WaitGroup
		for i, load := range loads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.store.View(ctx, load)
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	l := store.NewInputLoad(sc)
	if err := side(l.ScopeQueries()); err != nil {
		return nil, err
	}
	if err := side(l.RowQueries()); err != nil {
		return nil, err
	}
	return l.Inputs(), nil
}

// reconcileSlice is how many taxpayers are loaded, reconciled and stored
// at a time: a region is read a slice of credit codes after the other, so
// that memory follows the slice, not the region. A run of at most
// reconcileSlice taxpayers is one slice (and answers with every result);
// a larger one goes in slices of reconcileBulk, which bounds the memory
// of a province-sized run: two slices' inputs (one reconciled, the next
// loaded) were most of it beside the peer book. At 10 000 taxpayers,
// 500 rather than 1 000 took the peak RSS from ≈ 200 to ≈ 130 MB
// (docs/scale.md).
var (
	reconcileSlice = 1000
	reconcileBulk  = 500
)

// reconcileSlices stores a run's slices, each in a transaction of its
// own, and adds every result to book. The results a continued run stored
// before (credit codes through doneThrough) are read back for the book.
// In each slice's transaction the run first moves on (store.AdvanceRun:
// a second worker on the same run stops there), then the items are
// written while the slice's later taxpayers are still being reconciled
// on every core, then the results and flags. On PostgreSQL the next
// slice is loaded (in read transactions of its own) while this one is
// reconciled and written; on SQLite each slice is read in its
// transaction. keep (a run of one slice) returns the results with their
// items; otherwise they are let go once stored. through is the last
// credit code stored. progress (may be nil) hears the taxpayers done of
// total.
func (s *Service) reconcileSlices(ctx context.Context, r *reconcile.Reconciler, sc store.Scope, run *store.Run, doneThrough string,
	slices []store.Scope, total int, keep bool, book *reconcile.PeerBook, progress func(done, total int)) ([]*reconcile.Result, string, error) {
	done := 0
	if doneThrough != "" {
		after := ""
		for {
			rs, err := readTx(ctx, s, func(tx *store.Tx) ([]*reconcile.Result, error) {
				return tx.RunResults(run.ID, after, doneThrough, reconcileSlice)
			})
			if err != nil {
				return nil, "", err
			}
			for _, res := range rs {
				book.Add(res)
			}
			done += len(rs)
			if len(rs) < reconcileSlice {
				break
			}
			after = rs[len(rs)-1].CreditCode
		}
		if progress != nil {
			progress(done, total)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type loaded struct {
		ins []*reconcile.Input
		err error
	}
	var next func(tx *store.Tx, i int) ([]*reconcile.Input, error)
	if s.store.Dialect() == store.Postgres {
		ch := make(chan loaded) // one slice loaded ahead at most
		go func() {
			defer close(ch)
			for _, x := range slices {
				ins, err := s.loadInputs(ctx, x)
				select {
				case ch <- loaded{ins, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
		next = func(*store.Tx, int) ([]*reconcile.Input, error) {
			l, ok := <-ch
			if !ok {
				return nil, ctx.Err()
			}
			return l.ins, l.err
		}
	} else {
		next = func(tx *store.Tx, i int) ([]*reconcile.Input, error) { return tx.ReconcileInputs(slices[i]) }
	}
	var kept []*reconcile.Result
	through := doneThrough
	for i, x := range slices {
		var results []*reconcile.Result
		var counts []int
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.AdvanceRun(run.ID, through, x.Through); err != nil {
				return err
			}
			ins, err := next(tx, i)
			if err != nil {
				return err
			}
			c := startReconcile(ctx, r, ins)
			items, flags := 0, 0
			err = tx.InsertItems(run.ID, func(yield func(*reconcile.Item) error) error {
				for i := range ins {
					res, err := c.wait(i)
					if err != nil {
						return err
					}
					ins[i] = nil // reconciled: its inputs may go while the slice is written
					for k := range res.Items {
						if err := yield(&res.Items[k]); err != nil {
							return err
						}
					}
					counts = append(counts, len(res.Items))
					items, flags = items+len(res.Items), flags+len(res.Flags)
					if !keep {
						res.Items = nil
					}
					results = append(results, res)
				}
				return nil
			})
			if _, werr := c.all(); err == nil {
				err = werr
			}
			if err != nil {
				return err
			}
			if err := tx.InsertResults(run.ID, results, counts); err != nil {
				return err
			}
			if err := tx.InsertFlags(run.ID, results); err != nil {
				return err
			}
			return tx.AddRunCounts(run.ID, len(results), items, flags)
		})
		if err != nil {
			return nil, "", err
		}
		through = x.Through
		for _, res := range results {
			book.Add(res)
		}
		done += len(results)
		if keep {
			kept = append(kept, results...)
		}
		if progress != nil {
			progress(done, total)
		}
	}
	return kept, through, nil
}

// reconciling is a reconciliation of many taxpayers on every core, whose
// results can be waited for one by one.
type reconciling struct {
	results []*reconcile.Result
	errs    []error
	done    []chan struct{}
	wg      sync.WaitGroup
	ctx     context.Context
}

func startReconcile(ctx context.Context, r *reconcile.Reconciler, ins []*reconcile.Input) *reconciling {
	c := &reconciling{results: make([]*reconcile.Result, len(ins)), errs: make([]error, len(ins)), done: make([]chan struct{}, len(ins)), ctx: ctx}
	for i := range c.done {
		c.done[i] = make(chan struct{})
	}
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for i := range next {
				c.results[i], c.errs[i] = r.Taxpayer(ins[i])
				close(c.done[i])
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range ins {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	return c
}

// wait returns taxpayer i's result once it is there.
func (c *reconciling) wait(i int) (*reconcile.Result, error) {
	select {
	case <-c.done[i]:
		if c.errs[i] != nil {
			return nil, c.errs[i]
		}
		return c.results[i], nil
	case <-c.ctx.Done():
		return nil, c.ctx.Err()
	}
}

// all waits for every result.
func (c *reconciling) all() ([]*reconcile.Result, error) {
	c.wg.Wait()
	for _, err := range c.errs {
		if err != nil {
			return nil, err
		}
	}
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	return c.results, nil
}

// readTx runs a read in one read transaction and returns what it read.
func readTx[T any](ctx context.Context, s *Service, read func(tx *store.Tx) (T, error)) (T, error) {
	var out T
	err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = read(tx)
		return err
	})
	return out, err
}

// officerScope checks an officer's listing of a period ("" allowed when
// optional) in a region and returns the period's text and the region's
// prefix.
func officerScope(p filing.Principal, period string, optional bool, region string) (string, string, error) {
	if period != "" || !optional {
		per, err := parsePeriod(period)
		if err != nil {
			return "", "", err
		}
		period = per.Text
	}
	_, prefix, err := officerRegion(p, region)
	return period, prefix, err
}

// Runs lists runs, newest first (officers only); f.RegionPrefix is set
// from region.
func (s *Service) Runs(ctx context.Context, p filing.Principal, f store.RunFilter, region string) ([]store.Run, error) {
	if err := officersOnly(p, filing.ActReconcileRead); err != nil {
		return nil, err
	}
	var err error
	if f.Period, f.RegionPrefix, err = officerScope(p, f.Period, true, region); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]store.Run, error) { return tx.ListRuns(f) })
}

// Run reads one run; an officer bound to a region sees the runs of its
// region only.
func (s *Service) Run(ctx context.Context, p filing.Principal, id int64) (*store.Run, error) {
	if err := officersOnly(p, filing.ActReconcileRead); err != nil {
		return nil, err
	}
	run, err := readTx(ctx, s, func(tx *store.Tx) (*store.Run, error) { return tx.GetRun(id) })
	if err != nil {
		return nil, err
	}
	if p.Region != "" && (run.Region == "" || !strings.HasPrefix(calc.RegionPrefix(run.Region), calc.RegionPrefix(p.Region))) {
		return nil, Fail(calc.KindNotFound, "run_not_found", "比对记录不存在", "no reconciliation run "+itoa(id)+" visible to this token")
	}
	return run, nil
}

// Results lists the standing results of a period in a region (officers
// only); f.RegionPrefix is set from region.
func (s *Service) Results(ctx context.Context, p filing.Principal, f store.ResultFilter, region string) ([]store.StoredResult, error) {
	if err := officersOnly(p, filing.ActReconcileRead); err != nil {
		return nil, err
	}
	var err error
	if f.Period, f.RegionPrefix, err = officerScope(p, f.Period, false, region); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]store.StoredResult, error) { return tx.CurrentResults(f) })
}

// Flags lists the standing risk flags (风险疑点) of a period in a region
// (officers only), each addressed by credit code, period, outlet,
// pollutant, month and code; f.RegionPrefix is set from region.
func (s *Service) Flags(ctx context.Context, p filing.Principal, f store.FlagFilter, region string) ([]store.StoredFlag, error) {
	if err := officersOnly(p, filing.ActReconcileRead); err != nil {
		return nil, err
	}
	if f.Code != "" {
		if _, ok := reconcile.FlagRules[f.Code]; !ok {
			return nil, calc.Invalid([]calc.FieldError{{Path: "code", Code: "invalid_value", Message: "unknown flag code " + f.Code}})
		}
	}
	var err error
	if f.Period, f.RegionPrefix, err = officerScope(p, f.Period, false, region); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]store.StoredFlag, error) { return tx.ListFlags(f) })
}

// TaxpayerReconciliation is one taxpayer's standing reconciliation of a
// period: the result, every item and every flag.
type TaxpayerReconciliation struct {
	Taxpayer *filing.Taxpayer    `json:"-"`
	Result   *store.StoredResult `json:"result"`
	Items    []store.StoredItem  `json:"items"`
	Flags    []store.StoredFlag  `json:"flags"`
}

// Reconciliation reads a taxpayer's standing reconciliation of a period.
// An enterprise reads its own; an officer those of its region.
func (s *Service) Reconciliation(ctx context.Context, p filing.Principal, code, period string) (*TaxpayerReconciliation, error) {
	if err := allowed(p, filing.ActReconcileRead); err != nil {
		return nil, err
	}
	per, err := parsePeriod(period)
	if err != nil {
		return nil, err
	}
	out := &TaxpayerReconciliation{}
	err = s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		if out.Taxpayer, err = visibleTaxpayer(tx, p, code); err != nil {
			return err
		}
		rs, err := tx.CurrentResults(store.ResultFilter{Period: per.Text, CreditCode: code})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return Fail(calc.KindNotFound, "not_reconciled", "尚未比对", "no reconciliation of "+code+" for "+per.Text)
		}
		out.Result = &rs[0]
		if out.Items, err = tx.CurrentItems(code, per.Text); err != nil {
			return err
		}
		out.Flags, err = tx.ListFlags(store.FlagFilter{Period: per.Text, CreditCode: code})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
