package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/monitor"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
)

// Online monitoring: device mappings (MN → outlet), stored HJ 212
// packets, the monthly figures per device mapping and per outlet, and
// production output.
//
// The monthly figures are derived data, kept up to date where data
// change, never on a read: a mapping's write recomputes the months of its
// MN in its own transaction; an ingest marks the device-months it
// touched, which RefreshFigures recomputes (the import command at its
// end, the listener and the server in a bounded background job, a
// reconciliation run and a budget before they read).

// RegisterDevice maps a device (MN) to an outlet of a taxpayer. Data
// already received from the MN are given to the outlet (their figures
// are recomputed in the same transaction).
func (s *Service) RegisterDevice(ctx context.Context, p filing.Principal, k Idem, d reconcile.Device) (*Created[*reconcile.Device], error) {
	if err := allowed(p, filing.ActDeviceWrite); err != nil {
		return nil, err
	}
	if d.Version != 0 {
		return nil, calc.Invalid([]calc.FieldError{{Path: "version", Code: "unknown_field", Message: "a new mapping has no version"}})
	}
	if err := invalid(d.Validate()); err != nil {
		return nil, err
	}
	return create(ctx, s, p, k, func(tx *store.Tx) (created[*reconcile.Device], error) {
		var none created[*reconcile.Device]
		if _, err := visibleTaxpayer(tx, p, d.CreditCode); err != nil {
			return none, err
		}
		if err := checkMapping(tx, p, &d); err != nil {
			return none, err
		}
		if err := tx.InsertDevice(&d); err != nil {
			return none, err
		}
		if err := s.recomputeMN(tx, d.MN); err != nil {
			return none, err
		}
		id := itoa(d.ID)
		if err := audit(ctx, tx, p, filing.ActDeviceWrite, "device", id, d.CreditCode, nil, &d); err != nil {
			return none, err
		}
		return created[*reconcile.Device]{&d, "taxpayers/" + d.CreditCode + "/devices/" + id, d.Version}, nil
	})
}

// Devices lists a taxpayer's device mappings.
func (s *Service) Devices(ctx context.Context, p filing.Principal, code string) ([]reconcile.Device, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]reconcile.Device, error) {
		return visibleDevices(tx, p, code)
	})
}

// visibleDevices lists the device mappings of a taxpayer the caller may
// see (visibleTaxpayer's rule).
func visibleDevices(tx *store.Tx, p filing.Principal, code string) ([]reconcile.Device, error) {
	if _, err := visibleTaxpayer(tx, p, code); err != nil {
		return nil, err
	}
	return tx.ListDevices(store.DeviceFilter{CreditCode: code})
}

// deviceOf loads a mapping of a taxpayer the caller may see.
func deviceOf(tx *store.Tx, p filing.Principal, code string, id int64) (*reconcile.Device, error) {
	if _, err := visibleTaxpayer(tx, p, code); err != nil {
		return nil, err
	}
	d, err := tx.GetDevice(id)
	if err != nil {
		return nil, err
	}
	if d.CreditCode != code {
		return nil, Fail(calc.KindNotFound, "device_not_found", "监测设备对应关系不存在", "no such device mapping for this taxpayer")
	}
	return d, nil
}

// Device reads one mapping of a taxpayer.
func (s *Service) Device(ctx context.Context, p filing.Principal, code string, id int64) (*reconcile.Device, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	return readTx(ctx, s, func(tx *store.Tx) (*reconcile.Device, error) { return deviceOf(tx, p, code, id) })
}

// ChangeDevice changes a mapping (MN, outlet, validity, note) at the
// given version; ending one is setting ValidTo. The monthly figures of
// the old and the new MN are recomputed in the same transaction.
func (s *Service) ChangeDevice(ctx context.Context, p filing.Principal, code string, id int64, version int, next reconcile.Device) (*reconcile.Device, error) {
	if err := allowed(p, filing.ActDeviceWrite); err != nil {
		return nil, err
	}
	var d *reconcile.Device
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		before, err := deviceOf(tx, p, code, id)
		if err != nil {
			return err
		}
		after := *before
		after.MN, after.OutletNo, after.ValidFrom, after.ValidTo, after.Note = next.MN, next.OutletNo, next.ValidFrom, next.ValidTo, next.Note
		if err := invalid(after.Validate()); err != nil {
			return err
		}
		after.Version = version
		if err := checkMapping(tx, p, &after); err != nil {
			return err
		}
		if err := tx.UpdateDevice(&after, before.MN); err != nil {
			return err
		}
		for _, mn := range []string{before.MN, after.MN} {
			if err := s.recomputeMN(tx, mn); err != nil {
				return err
			}
		}
		d = &after
		return audit(ctx, tx, p, filing.ActDeviceWrite, "device", itoa(d.ID), d.CreditCode, before, d)
	})
	return d, err
}

// OutletFigure is an outlet's monitored figure of one statutory pollutant
// for a month, added up over the outlet's device mappings.
type OutletFigure struct {
	OutletNo     string              `json:"outlet_no"`
	Pollutant    string              `json:"pollutant"`
	PollutantID  string              `json:"pollutant_id"`
	Basis        string              `json:"basis"`
	EmissionKg   decimal.NullDecimal `json:"emission_kg"`
	Valid        int                 `json:"valid"`
	Units        int                 `json:"units"`
	Completeness decimal.Decimal     `json:"completeness"`
	Mean         decimal.NullDecimal `json:"mean_concentration"`
	Max          decimal.NullDecimal `json:"max_concentration"`
	Excluded     int                 `json:"excluded"`
	Devices      []string            `json:"devices"`
	Codes        []string            `json:"codes"`
	Notes        []string            `json:"notes"`
}

// MonthlyFigures is a taxpayer's monitoring of one month: the figure of
// each outlet and statutory pollutant, the stored figures of each device
// mapping (with the records left out and the trace) and the warnings.
type MonthlyFigures struct {
	CreditCode string                `json:"credit_code"`
	Devices    []store.MonthlyFigure `json:"devices"`
	Month      string                `json:"month"`
	Outlets    []OutletFigure        `json:"outlets"`
	Warnings   []string              `json:"warnings"`
}

// Monitoring reads a taxpayer's monthly figures of month (YYYY-MM) as
// stored; it writes nothing.
func (s *Service) Monitoring(ctx context.Context, p filing.Principal, code, month string) (*MonthlyFigures, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	if !filing.ValidMonth(month) {
		return nil, calc.Invalid([]calc.FieldError{{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"}})
	}
	set, err := s.t.Reconcile.On(filing.Date(month + "-01").Day())
	if err != nil {
		return nil, err
	}
	places := int32(set.Places.Value.IntPart())
	var (
		devs  []reconcile.Device
		stale []string // MNs whose figures of the month wait for the refresh
	)
	out := &MonthlyFigures{CreditCode: code, Month: month, Outlets: []OutletFigure{}}
	if err := s.store.View(ctx, func(tx *store.Tx) error {
		var err error
		if devs, err = visibleDevices(tx, p, code); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, d := range devs {
			if seen[d.MN] {
				continue
			}
			seen[d.MN] = true
			marks, err := tx.DirtyMarksOf(d.MN)
			if err != nil {
				return err
			}
			for _, m := range marks {
				if m.Month == month {
					stale = append(stale, d.MN)
				}
			}
		}
		out.Devices, err = tx.MonthlyFigures(code, month, month)
		return err
	}); err != nil {
		return nil, err
	}
	slim := make([]reconcile.DeviceFigure, len(out.Devices))
	for i := range out.Devices {
		slim[i] = out.Devices[i].Slim()
	}
	outs, warnings := reconcile.Outlets(devs, slim, s.codes(), places, set.CouKg.Value)
	for _, k := range reconcile.SortedOutletKeys(outs) {
		o := outs[k]
		v := OutletFigure{OutletNo: o.OutletNo, Pollutant: o.Pollutant, PollutantID: o.PollutantID, Basis: string(o.Basis),
			Valid: o.Valid, Units: o.Units, Completeness: o.Completeness(places), Mean: o.Mean, Max: o.Max, Excluded: o.Excluded,
			Devices: o.Devices, Codes: o.Codes, Notes: o.Notes}
		if v.Notes == nil {
			v.Notes = []string{}
		}
		if o.Counted > 0 {
			v.EmissionKg = decimal.NullDecimal{Decimal: o.TotalKg, Valid: true}
		}
		out.Outlets = append(out.Outlets, v)
	}
	if warnings == nil {
		warnings = []string{}
	}
	for _, mn := range stale {
		warnings = append(warnings, "device "+mn+": new data or a changed mapping since these figures were computed; they are being brought up to date")
	}
	out.Warnings = append(warnings, set.Unverified()...)
	return out, nil
}

// codes are the HJ 212 factor codes with the engine's pollutant names.
func (s *Service) codes() *reconcile.Codes {
	return reconcile.NewCodes(s.t.Engine.Tables().HJ212, s.t.Engine.Names())
}

// Packets lists stored packets with their verdicts, newest first. An
// officer without a region and the operator may list every packet;
// anyone else names a device (MN) mapped to a taxpayer they may see.
func (s *Service) Packets(ctx context.Context, p filing.Principal, f store.PacketFilter) ([]store.PacketInfo, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	var errs []calc.FieldError
	if f.Month != "" && !filing.ValidMonth(f.Month) {
		errs = append(errs, calc.FieldError{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"})
	}
	if f.Verdict != "" && f.Verdict != "valid" && f.Verdict != "lenient" && f.Verdict != "rejected" {
		errs = append(errs, calc.FieldError{Path: "verdict", Code: "invalid_value", Message: "want valid, lenient or rejected"})
	}
	scoped := scopedPackets(p)
	if scoped && f.MN == "" {
		errs = append(errs, calc.FieldError{Path: "mn", Code: "required", Message: "name the device (mn) whose packets to list"})
	}
	if err := invalid(errs); err != nil {
		return nil, err
	}
	var list []store.PacketInfo
	err := s.store.View(ctx, func(tx *store.Tx) error {
		if !scoped {
			var err error
			list, err = tx.ListPackets(f)
			return err
		}
		ws, err := mnWindows(tx, p, f.MN)
		if err != nil {
			return err
		}
		if len(ws) == 0 {
			return Fail(calc.KindNotFound, "device_not_found", "监测设备不存在", "no device "+f.MN+" mapped to a taxpayer visible to this token")
		}
		// One listing per mapping's days, merged newest first.
		list = []store.PacketInfo{}
		for _, w := range ws {
			g := f
			g.DayFrom, g.DayTo, g.Dated = w.From, w.To, true
			part, err := tx.ListPackets(g)
			if err != nil {
				return err
			}
			list = append(list, part...)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].ID > list[j].ID })
		if n := store.PacketLimit(f.Limit); len(list) > n {
			list = list[:n]
		}
		return nil
	})
	return list, err
}

// DevicePackets are the stored hour and day packets of one device (MN) in
// one month, as monitor.Monthly reads them.
type DevicePackets struct {
	MN, Month string
	Packets   []*hj212.Packet
}

// OutletPackets reads, month by month, the stored hour and day packets of
// each device mapped to an outlet of a taxpayer in that month.
func (s *Service) OutletPackets(ctx context.Context, p filing.Principal, code, outletNo string, months []string) ([]DevicePackets, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	var out []DevicePackets
	err := s.store.View(ctx, func(tx *store.Tx) error {
		devs, err := visibleDevices(tx, p, code)
		if err != nil {
			return err
		}
		for _, m := range months {
			for _, d := range devs {
				// Compared as text: a month that is not one matches no day.
				if d.OutletNo != outletNo || string(d.ValidFrom) > m+"-31" || (d.ValidTo != "" && string(d.ValidTo) < m+"-01") {
					continue
				}
				all, err := tx.MonthPackets(d.MN, m)
				if err != nil {
					return err
				}
				// Only the days of this mapping: the MN's other days are
				// another mapping's, perhaps another taxpayer's.
				packets := all[:0]
				for _, pk := range all {
					if inWindow(d, pk.DataTime) {
						packets = append(packets, pk)
					}
				}
				out = append(out, DevicePackets{MN: d.MN, Month: m, Packets: packets})
			}
		}
		return nil
	})
	return out, err
}

// FigureGaps is one device mapping's stored figure of an outlet's
// pollutant in a month, with its data quality: the valid days, the runs
// of missing hours (days) and what the substitution rules put in them, in
// kilograms. Substituted emissions are never part of the monitored total.
type FigureGaps struct {
	MN, Month, Code, Basis string
	Valid, Units           int // valid and expected periods
	ValidDays              int
	ShortDays              []string // YYYYMMDD of the days short of valid hours
	DayRule                string
	Gaps                   []GapKg
	SubstitutedKg          decimal.NullDecimal
	SubstitutedUnits       int
}

// GapKg is a run of missing periods with its substitute converted from
// the -Cou unit to kilograms (the conversion in force that month), and the
// substitution rule's standard and look-back (when a rule applied).
type GapKg struct {
	monitor.Gap
	PerUnitKg, TotalKg decimal.NullDecimal
	Standard           string // e.g. HJ 75-2017 (缺失数据处理)
	Lookback           int
}

// OutletGaps reads the stored figures of one outlet's pollutant (by its
// ID) for months, each with its data quality; it writes nothing.
func (s *Service) OutletGaps(ctx context.Context, p filing.Principal, code, outletNo, pollutantID string, months []string) ([]FigureGaps, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	if len(months) == 0 || pollutantID == "" {
		return nil, nil
	}
	for _, m := range months {
		if !filing.ValidMonth(m) {
			return nil, calc.Invalid([]calc.FieldError{{Path: "month", Code: "invalid_value", Message: "want a month YYYY-MM"}})
		}
	}
	from, to := months[0], months[0]
	for _, m := range months {
		from, to = min(from, m), max(to, m)
	}
	var figs []store.MonthlyFigure
	outlet := map[int64]bool{}
	err := s.store.View(ctx, func(tx *store.Tx) error {
		devs, err := visibleDevices(tx, p, code)
		if err != nil {
			return err
		}
		for _, d := range devs {
			if d.OutletNo == outletNo {
				outlet[d.ID] = true
			}
		}
		figs, err = tx.MonthlyFigures(code, from, to)
		return err
	})
	if err != nil {
		return nil, err
	}
	codes := s.codes()
	var out []FigureGaps
	for i := range figs {
		f := &figs[i]
		if !outlet[f.DeviceID] || !slices.Contains(months, f.Month) {
			continue
		}
		if pol, _ := codes.Pollutant(f.Code); pol == nil || pol.ID != pollutantID {
			continue
		}
		q, err := f.Quality()
		if err != nil {
			return nil, err
		}
		day := filing.Date(f.Month + "-01").Day()
		set, err := s.t.Reconcile.On(day)
		if err != nil {
			return nil, err
		}
		rules, err := s.t.Quality.On(day)
		if err != nil {
			return nil, err
		}
		kg := func(d *decimal.Decimal) decimal.NullDecimal {
			if d == nil {
				return decimal.NullDecimal{}
			}
			return decimal.NullDecimal{Decimal: d.Mul(set.CouKg.Value), Valid: true}
		}
		g := FigureGaps{MN: f.MN, Month: f.Month, Code: f.Code, Basis: f.Basis, Valid: f.Valid, Units: f.Units,
			ValidDays: q.ValidDays, ShortDays: q.ShortDays, DayRule: q.DayRule, SubstitutedUnits: q.SubstitutedUnits}
		if q.SubstitutedUnits > 0 {
			g.SubstitutedKg = kg(&q.Substituted)
		}
		for _, gap := range q.Gaps {
			gk := GapKg{Gap: gap, PerUnitKg: kg(gap.Cou), TotalKg: kg(gap.CouTotal)}
			for _, r := range rules.Gaps {
				if gap.Rule != "" && r.Cite() == gap.Rule {
					gk.Standard, gk.Lookback = r.Rule, r.Lookback
				}
			}
			g.Gaps = append(g.Gaps, gk)
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		if out[i].MN != out[j].MN {
			return out[i].MN < out[j].MN
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// IfMatch is the version a replacing write was based on, as the door read
// it: the version, or why there is none (Err); Stated when the client
// named a version at all.
type IfMatch struct {
	Version int
	Err     error
	Stated  bool
}

// PutOutput records a month's production output: created when there is
// none (created true), else replaced at the version v names.
func (s *Service) PutOutput(ctx context.Context, p filing.Principal, o reconcile.Output, v IfMatch) (out *reconcile.Output, isNew bool, err error) {
	if err := allowed(p, filing.ActOutputWrite); err != nil {
		return nil, false, err
	}
	if err := invalid(o.Validate()); err != nil {
		return nil, false, err
	}
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := visibleTaxpayer(tx, p, o.CreditCode); err != nil {
			return err
		}
		old, err := tx.GetOutput(o.CreditCode, o.Month)
		if err != nil {
			return err
		}
		entity := o.CreditCode + "/" + o.Month
		if old == nil {
			if v.Stated {
				return Fail(calc.KindConflict, "stale_version", "版本已过期", "there is no output for "+o.Month+" to update; send it without a version to create it")
			}
			isNew = true
			if err := tx.InsertOutput(&o); err != nil {
				return err
			}
			return audit(ctx, tx, p, filing.ActOutputWrite, "output", entity, o.CreditCode, nil, &o)
		}
		if v.Err != nil {
			return v.Err
		}
		o.Version = v.Version
		if err := tx.UpdateOutput(&o); err != nil {
			return err
		}
		return audit(ctx, tx, p, filing.ActOutputWrite, "output", entity, o.CreditCode, old, &o)
	})
	if err != nil {
		return nil, false, err
	}
	return &o, isNew, nil
}

// Outputs lists a taxpayer's outputs for the months from … to (YYYY-MM;
// "" is open).
func (s *Service) Outputs(ctx context.Context, p filing.Principal, code, from, to string) ([]reconcile.Output, error) {
	if err := allowed(p, filing.ActDeclarationRead); err != nil {
		return nil, err
	}
	if from == "" {
		from = "2018-01"
	}
	if to == "" {
		to = "2999-12"
	}
	if !filing.ValidMonth(from) || !filing.ValidMonth(to) {
		return nil, calc.Invalid([]calc.FieldError{{Path: "from", Code: "invalid_value", Message: "from and to are months YYYY-MM"}})
	}
	return readTx(ctx, s, func(tx *store.Tx) ([]reconcile.Output, error) {
		if _, err := visibleTaxpayer(tx, p, code); err != nil {
			return nil, err
		}
		return tx.ListOutputs(code, from, to)
	})
}

// Ingest stores a batch of packets in one transaction (store.Ingest: each
// packet once, valid or not, with its verdict) and tells, packet by
// packet, whether it was new. The device-months it touched are marked;
// RefreshFigures recomputes them (the caller decides when: after the
// batch, after a whole import, or in a background job).
func (s *Service) Ingest(ctx context.Context, p filing.Principal, batch []store.Incoming) (store.IngestStats, []bool, error) {
	if p.Role != filing.RoleAdmin {
		// Packets come in through the operator's import and listener only.
		return store.IngestStats{}, nil, Fail(KindForbidden, "forbidden", "无权执行该操作", "only the operator stores monitoring packets")
	}
	var (
		st     store.IngestStats
		stored []bool
	)
	// Partitions are made in transactions of their own (creating one locks
	// the parent table), before the batch's.
	if err := s.store.EnsureBatchMonths(ctx, batch); err != nil {
		return st, make([]bool, len(batch)), failed(err, "app: making the monthly partitions of a batch")
	}
	err := s.store.IngestTx(ctx, func(tx *store.Tx) error {
		var err error
		st, stored, err = s.ingest(tx, batch)
		return err
	})
	if err != nil {
		stored = make([]bool, len(batch))
	}
	return st, stored, failed(err, fmt.Sprintf("app: storing a batch of %d packets", len(batch)))
}

// failed names the operation and key an internal failure concerns, for
// the log (a client only ever sees that there was one); a *calc.Error is
// the caller's answer and passes as it is.
func failed(err error, what string) error {
	var ce *calc.Error
	if err == nil || errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// RefreshFigures recomputes the monthly figures of up to limit out-of-date
// device-months (all when limit ≤ 0), each in a transaction of its own,
// and returns how many it recomputed. A device-month another refresher
// took first is skipped. It is upkeep of derived data, asked for by no
// one in particular: it takes no principal.
func (s *Service) RefreshFigures(ctx context.Context, limit int) (int, error) {
	// Split messages that waited long enough get their verdict first: a
	// message completed by a late part has values to count.
	if _, err := s.closeSplitSets(ctx, s.split); err != nil {
		return 0, err
	}
	total := 0
	for {
		n := 500
		if limit > 0 {
			n = min(n, limit-total)
		}
		var marks []store.DirtyMark
		if err := s.store.View(ctx, func(tx *store.Tx) error {
			var err error
			marks, err = tx.DirtyMarks(n)
			return err
		}); err != nil {
			return total, failed(err, "app: listing the out-of-date monthly figures")
		}
		for _, m := range marks {
			if err := s.store.InTx(ctx, func(tx *store.Tx) error { return s.recompute(tx, m) }); err != nil {
				return total, err
			}
			total++
		}
		if len(marks) < n || (limit > 0 && total >= limit) {
			return total, nil
		}
	}
}

// KeepFiguresFresh is the bounded background job of a long-running
// process: every interval it recomputes at most batch out-of-date
// device-months (those left by an import that stopped early, say), until
// ctx ends. Each error goes to report; the next round tries again.
func (s *Service) KeepFiguresFresh(ctx context.Context, every time.Duration, batch int, report func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.RefreshFigures(ctx, batch); err != nil && ctx.Err() == nil {
				report(err)
			}
		}
	}
}

// recomputeMN recomputes every out-of-date month of one MN in tx.
func (s *Service) recomputeMN(tx *store.Tx, mn string) error {
	marks, err := tx.DirtyMarksOf(mn)
	if err != nil {
		return err
	}
	for _, m := range marks {
		if err := s.recompute(tx, m); err != nil {
			return err
		}
	}
	return nil
}

// recompute takes a mark and replaces the figures of its device-month
// (reconcile.MonthFigures on the stored hour and day packets), rounded to
// the places in force in that month.
func (s *Service) recompute(tx *store.Tx, m store.DirtyMark) error {
	return failed(s.recomputeOne(tx, m), "app: monthly figures of "+m.MN+" "+m.Month)
}

func (s *Service) recomputeOne(tx *store.Tx, m store.DirtyMark) error {
	took, err := tx.TakeDirty(m)
	if err != nil || !took {
		return err
	}
	devs, err := tx.DevicesByMN(m.MN)
	if err != nil {
		return err
	}
	pkts, err := tx.MonthPackets(m.MN, m.Month)
	if err != nil {
		return err
	}
	places, err := s.places(m.Month)
	if err != nil {
		return err
	}
	q, err := s.quality(m.Month)
	if err != nil {
		return err
	}
	// Hours not over yet are not missing data (DataTime is Beijing time).
	until := s.now().In(beijing).Format("2006010215")
	figs, err := reconcile.MonthFigures(devs, pkts, m.Month, monitor.Options{Places: places, Quality: q, Until: until})
	if err != nil {
		return err
	}
	return tx.ReplaceMonthly(m.MN, m.Month, figs)
}

// beijing is the time of DataTime (UTC+8, no daylight saving).
var beijing = time.FixedZone("CST", 8*3600)

// quality is the data-quality rules in force on the first day of month.
func (s *Service) quality(month string) (*monitor.Quality, error) {
	d, err := filing.ParseDate(month + "-01")
	if err != nil {
		return nil, err
	}
	return s.t.Quality.On(d.Day())
}

// places are the decimal places of the monthly figures of month
// (monthly.places in force on its first day, or today for a month before
// the table's first row).
func (s *Service) places(month string) (int32, error) {
	if d, err := filing.ParseDate(month + "-01"); err == nil {
		if r, err := s.t.Reconcile.At(reconcile.KeyPlaces, d.Day()); err == nil {
			return int32(r.Value.IntPart()), nil
		}
	}
	r, err := s.t.Reconcile.At(reconcile.KeyPlaces, filing.Today(s.now()).Day())
	if err != nil {
		return 0, err
	}
	return int32(r.Value.IntPart()), nil
}
