package app

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212/split"
	"github.com/ecotax/ecotax/store"
)

// Split HJ 212 messages (分包, PNUM/PNO). Every part is stored as the
// packet it is, in the batch that brought it, so it is durable before it
// is answered; its values are not stored. Its header and data go beside it
// (store.InsertPart) in the same transaction, and once every part of the
// message is there the reassembled packet (hj212/split.Assemble) is stored
// with its values, as if it had come whole. The state lives in the
// database, so a restart or a part arriving on another connection (or in
// another import file) changes nothing. A message still missing parts
// after SplitWait is judged incomplete with its cause; a late part opens
// it again.

// DefaultSplitWait is how long parts are waited for when Deps says nothing.
const DefaultSplitWait = 10 * time.Minute

// splitLimits bound one message (hj212/split.Limits): its parts and the
// data a reassembled frame can hold.
var splitLimits = split.Limits{MaxParts: 64, MaxBytes: 9000}

// ingest stores a batch in tx: the packets, the parts of split messages,
// and the reassembled messages that became complete.
func (s *Service) ingest(tx *store.Tx, batch []store.Incoming) (store.IngestStats, []bool, error) {
	in := make([]store.Incoming, len(batch))
	type partOf struct {
		key  split.Key
		part split.Part
	}
	parts := map[int]partOf{}
	for i, b := range batch {
		in[i] = b
		if k, pt, ok := split.PartOf(b.Packet); ok {
			in[i].Part = true
			parts[i] = partOf{k, pt}
		}
	}
	st, stored, err := tx.IngestEach(in)
	if err != nil || len(parts) == 0 {
		return st, stored, err
	}
	var keys []split.Key
	seen := map[split.Key]bool{}
	for i := range in {
		po, ok := parts[i]
		if !ok || !stored[i] {
			continue // a part already stored changes nothing
		}
		if err := tx.InsertPart(store.Part{MN: po.key.MN, QN: po.key.QN, CN: po.key.CN, PNUM: po.key.Total, PNO: po.part.No,
			PacketHash: store.PacketHash(in[i].Packet.Raw), Header: po.part.Header, CP: po.part.CP,
			Lenient: po.part.Lenient, Backfill: po.part.Backfill}); err != nil {
			return st, stored, err
		}
		if !seen[po.key] {
			seen[po.key] = true
			keys = append(keys, po.key)
		}
	}
	for _, k := range keys {
		more, err := s.judgeSplit(tx, k, false)
		if err != nil {
			return st, stored, err
		}
		st.Add(more)
	}
	return st, stored, nil
}

// judgeSplit assembles a pending message from its stored parts and
// records the verdict. An incomplete message stays pending unless final.
func (s *Service) judgeSplit(tx *store.Tx, k split.Key, final bool) (store.IngestStats, error) {
	var st store.IngestStats
	set, err := tx.SplitSetOf(k.MN, k.QN, k.CN, k.Total)
	if err != nil || set == nil || set.Verdict != "pending" {
		return st, err
	}
	rows, err := tx.Parts(k.MN, k.QN, k.CN, k.Total)
	if err != nil {
		return st, err
	}
	list := make([]split.Part, len(rows))
	for i, r := range rows {
		list[i] = split.Part{No: r.PNO, Header: r.Header, CP: r.CP, Lenient: r.Lenient, Backfill: r.Backfill}
	}
	o := split.Assemble(k, list, splitLimits)
	out := store.SplitSet{MN: k.MN, QN: k.QN, CN: k.CN, PNUM: k.Total, Verdict: string(o.Verdict), Reason: o.Cause, Parts: len(o.Have)}
	switch o.Verdict {
	case split.Complete:
		origin := fmt.Sprintf("reassembled from %d parts (%s)", k.Total, k)
		st, _, err = tx.IngestEach([]store.Incoming{{Packet: o.Packet, Origin: origin}})
		if err != nil {
			return st, err
		}
		out.PacketHash = store.PacketHash(o.Packet.Raw)
		if err := tx.DeleteParts(k.MN, k.QN, k.CN, k.Total); err != nil {
			return st, err
		}
		if o.Duplicates > 0 {
			out.Reason = fmt.Sprintf("%d parts received more than once, counted once", o.Duplicates)
		}
	case split.Incomplete:
		if !final {
			out.Verdict, out.Reason = "pending", ""
		} else {
			out.Reason = fmt.Sprintf("%s after waiting %s for them since %s", o.Cause, s.split, set.FirstAt.UTC().Format(time.RFC3339))
		}
	}
	return st, tx.DecideSplitSet(out)
}

// closeSplitSets judges the messages that have waited longer than wait
// for their parts, and returns how many it judged.
func (s *Service) closeSplitSets(ctx context.Context, wait time.Duration) (int, error) {
	n := 0
	for {
		var (
			pending []store.SplitSet
			now     time.Time // the store's clock, which wrote FirstAt
		)
		if err := s.store.View(ctx, func(tx *store.Tx) error {
			var err error
			now = tx.Now()
			pending, err = tx.PendingSplitSets(500)
			return err
		}); err != nil {
			return n, failed(err, "app: listing the split messages waiting for parts")
		}
		judged := 0
		for _, p := range pending {
			if p.FirstAt.Add(wait).After(now) {
				continue
			}
			k := split.Key{MN: p.MN, QN: p.QN, CN: p.CN, Total: p.PNUM}
			// IngestTx: a message found complete is ingested here.
			if err := s.store.IngestTx(ctx, func(tx *store.Tx) error {
				_, err := s.judgeSplit(tx, k, true)
				return err
			}); err != nil {
				return n, failed(err, "app: judging the split message "+k.String())
			}
			judged++
		}
		n += judged
		if len(pending) < 500 || judged == 0 {
			return n, nil
		}
	}
}

// CloseSplitSets judges now every split message still waiting for parts
// (the import calls it at the end of its files: no part is coming). A
// part that comes later opens its message again. Only the operator.
func (s *Service) CloseSplitSets(ctx context.Context, p filing.Principal) (int, error) {
	if p.Role != filing.RoleAdmin {
		return 0, Fail(KindForbidden, "forbidden", "无权执行该操作", "only the operator closes split messages")
	}
	return s.closeSplitSets(ctx, 0)
}

// SplitSets lists split messages and their verdicts, newest first. Like
// Packets: an officer without a region and the operator list every
// message; anyone else names a device mapped to a taxpayer they may see.
func (s *Service) SplitSets(ctx context.Context, p filing.Principal, f store.SplitFilter) ([]store.SplitSet, error) {
	if err := allowed(p, filing.ActMonitoringRead); err != nil {
		return nil, err
	}
	switch f.Verdict {
	case "", "pending", "complete", "incomplete", "conflict", "too_large", "invalid":
	default:
		return nil, calc.Invalid([]calc.FieldError{{Path: "verdict", Code: "invalid_value",
			Message: "want pending, complete, incomplete, conflict, too_large or invalid"}})
	}
	var out []store.SplitSet
	err := s.store.View(ctx, func(tx *store.Tx) error {
		if scopedPackets(p) {
			if f.MN == "" {
				return calc.Invalid([]calc.FieldError{{Path: "mn", Code: "required", Message: "name the device (mn) whose messages to list"}})
			}
			ws, err := mnWindows(tx, p, f.MN)
			if err != nil {
				return err
			}
			if len(ws) == 0 {
				return Fail(calc.KindNotFound, "device_not_found", "监测设备不存在", "no device "+f.MN+" mapped to a taxpayer visible to this token")
			}
			// A message's data time is known only once it is whole: its
			// QN (when it was sent) attributes it to a mapping's days, as
			// DataTime does for packets (visibility.go). One listing per
			// mapping, merged newest first.
			out = []store.SplitSet{}
			for _, w := range ws {
				g := f
				g.Dated, g.DayFrom, g.DayTo = true, w.From, w.To
				part, err := tx.ListSplitSets(g)
				if err != nil {
					return err
				}
				for _, set := range part {
					if isDay(set.QN[:8]) {
						out = append(out, set)
					}
				}
			}
			sort.SliceStable(out, func(i, j int) bool { return out[i].FirstAt.After(out[j].FirstAt) })
			if n := store.PacketLimit(f.Limit); len(out) > n {
				out = out[:n]
			}
			return nil
		}
		var err error
		out, err = tx.ListSplitSets(f)
		return err
	})
	return out, err
}

// isDay reports whether s is eight digits, as a day YYYYMMDD is.
func isDay(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) == 8
}
