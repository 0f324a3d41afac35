package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// splitFrames cuts one hour-data message of nf factors into k parts
// (between items) and frames each with PNUM/PNO and a correct CRC.
func splitFrames(mn, qn, dataTime string, nf, k int) [][]byte {
	items := []string{"DataTime=" + dataTime}
	for i := 0; i < nf; i++ {
		items = append(items, fmt.Sprintf("a%05d-Avg=%d.5,a%05d-Cou=1.%03d,a%05d-Flag=N", 21000+i, i, 21000+i, i, 21000+i))
	}
	per := (len(items) + k - 1) / k
	var out [][]byte
	for i := 0; i < k; i++ {
		lo, hi := i*per, min((i+1)*per, len(items))
		data := fmt.Sprintf("QN=%s;ST=31;CN=2061;PW=123456;MN=%s;Flag=7;PNUM=%d;PNO=%d;CP=&&%s&&", qn, mn, k, i+1, strings.Join(items[lo:hi], ";"))
		out = append(out, []byte(fmt.Sprintf("##%04d%s%s\r\n", len(data), data, hj212.Checksum([]byte(data)))))
	}
	return out
}

// TestSplitMessages: parts out of order, across batches, with copies, are
// stored as packets (and answered) but counted once, through the
// reassembled message; a message missing a part is judged incomplete
// with its cause, never dropped, and completed when the part comes late.
func TestSplitMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tables, err := app.LoadTables()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc, err := app.New(app.Deps{Store: db, Tables: tables, Now: func() time.Time { return now }, SplitWait: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		code := "91350100M000100Y43"
		if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "示例", Region: "500103", Industry: "4411"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: code, MN: "MN-S", OutletNo: "DA001", ValidFrom: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
		in := func(frames ...[]byte) []store.Incoming {
			var b []store.Incoming
			for _, f := range frames {
				b = append(b, store.Incoming{Packet: hj212.Parse(f, hj212.Options{}), Origin: "test"})
			}
			return b
		}
		a := splitFrames("MN-S", "20240301100000001", "20240301100000", 40, 4)
		// Parts 3 and 1 first, then 4, 1 again and 2 in another batch.
		if st, stored, err := svc.Ingest(ctx, admin, in(a[2], a[0])); err != nil || st.Values != 0 || !stored[0] || !stored[1] {
			t.Fatalf("first batch %+v %v %v", st, stored, err)
		}
		if st, _, err := svc.Ingest(ctx, admin, in(a[3], a[0], a[1])); err != nil || st.Values != 40*3 {
			t.Fatalf("second batch: %+v %v (want the reassembled message's values only)", st, err)
		}
		b := splitFrames("MN-S", "20240301110000001", "20240301110000", 40, 3)
		if _, _, err := svc.Ingest(ctx, admin, in(b[0], b[2])); err != nil {
			t.Fatal(err)
		}
		sets := func(verdict string) []store.SplitSet {
			t.Helper()
			l, err := svc.SplitSets(ctx, admin, store.SplitFilter{MN: "MN-S", Verdict: verdict})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if c := sets("complete"); len(c) != 1 || c[0].PNUM != 4 || c[0].PacketHash == "" {
			t.Fatalf("complete %+v", c)
		}
		// A complete message's parts are not kept beside their packets.
		if err := db.View(ctx, func(tx *store.Tx) error {
			ps, err := tx.Parts("MN-S", "20240301100000001", "2061", 4)
			if err == nil && len(ps) != 0 {
				t.Errorf("%d parts kept", len(ps))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if p := sets("pending"); len(p) != 1 || p[0].PNUM != 3 {
			t.Fatalf("pending %+v", p)
		}
		// Before the wait is over the refresh leaves it pending; after it,
		// the message is judged with its cause.
		if _, err := svc.RefreshFigures(ctx, 0); err != nil || len(sets("pending")) != 1 {
			t.Fatalf("judged before the wait: %v", err)
		}
		now = now.Add(time.Hour)
		if _, err := svc.RefreshFigures(ctx, 0); err != nil {
			t.Fatal(err)
		}
		inc := sets("incomplete")
		if len(inc) != 1 || !strings.Contains(inc[0].Reason, "parts 2 of 3 missing") || inc[0].DecidedAt == nil {
			t.Fatalf("incomplete %+v", inc)
		}
		m, err := svc.Monitoring(ctx, admin, code, "2024-03")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m.Devices {
			if f.Valid != 1 || f.TotalCount != 1 {
				t.Fatalf("figure %s counts %d records, want the one complete message: %+v", f.Code, f.Valid, f)
			}
		}
		if len(m.Devices) != 40 {
			t.Fatalf("%d figures", len(m.Devices))
		}
		// The missing part comes late: the message is complete after all.
		if _, _, err := svc.Ingest(ctx, admin, in(b[1])); err != nil {
			t.Fatal(err)
		}
		if c := sets("complete"); len(c) != 2 || len(sets("incomplete")) != 0 {
			t.Fatalf("after the late part: %+v", c)
		}
		if _, err := svc.RefreshFigures(ctx, 0); err != nil {
			t.Fatal(err)
		}
		m, err = svc.Monitoring(ctx, admin, code, "2024-03")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range m.Devices {
			if f.Valid != 2 {
				t.Fatalf("figure %s counts %d records, want 2", f.Code, f.Valid)
			}
		}
		// CloseSplitSets judges at once (the import's end).
		c := splitFrames("MN-S", "20240301120000001", "20240301120000", 3, 2)
		if _, _, err := svc.Ingest(ctx, admin, in(c[1])); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.CloseSplitSets(ctx, admin); err != nil || n != 1 {
			t.Fatalf("closed %d %v", n, err)
		}
		if _, err := svc.CloseSplitSets(ctx, filing.Principal{Role: filing.RoleTaxOfficer}); err == nil {
			t.Error("an officer closed split messages")
		}
	})
}

// TestSplitSetsOnlyForTheMappingsDays: a scoped principal lists the split
// messages of a device only for the days of its mapping (by the day of
// the message's QN, the one time a message has before it is whole), as it
// lists packets (visibility.go); the previous owner's messages stay its own.
func TestSplitSetsOnlyForTheMappingsDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc := newService(t, db, func() time.Time { return now })
		codeA, codeB := "91350100M000100Y43", "91110105MA0000000Y"
		for _, tp := range []filing.Taxpayer{{CreditCode: codeA, Name: "甲", Region: "500103", Industry: "4411"}, {CreditCode: codeB, Name: "乙", Region: "110105", Industry: "4411"}} {
			if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, tp); err != nil {
				t.Fatal(err)
			}
		}
		// The device was A's in January and February, B's from March.
		for _, d := range []reconcile.Device{
			{CreditCode: codeA, MN: "MN-S", OutletNo: "DA001", ValidFrom: "2024-01-01", ValidTo: "2024-02-29"},
			{CreditCode: codeB, MN: "MN-S", OutletNo: "DA009", ValidFrom: "2024-03-01"},
		} {
			if _, err := svc.RegisterDevice(ctx, admin, app.Idem{}, d); err != nil {
				t.Fatal(err)
			}
		}
		// One part of a February message and one of a March message: both
		// stay pending.
		feb := splitFrames("MN-S", "20240215100000001", "20240215100000", 20, 2)
		mar := splitFrames("MN-S", "20240305100000001", "20240305100000", 20, 2)
		var batch []store.Incoming
		for _, f := range [][]byte{feb[0], mar[0]} {
			batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{}), Origin: "test"})
		}
		if _, _, err := svc.Ingest(ctx, admin, batch); err != nil {
			t.Fatal(err)
		}
		qns := func(p filing.Principal) []string {
			t.Helper()
			l, err := svc.SplitSets(ctx, p, store.SplitFilter{MN: "MN-S"})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range l {
				out = append(out, s.QN[:8])
			}
			return out
		}
		entA := filing.Principal{Role: filing.RoleEnterprise, CreditCode: codeA, TokenID: 1}
		entB := filing.Principal{Role: filing.RoleEnterprise, CreditCode: codeB, TokenID: 2}
		envB := filing.Principal{Role: filing.RoleEnvOfficer, Region: "110105", TokenID: 3}
		if got := qns(admin); len(got) != 2 {
			t.Fatalf("admin sees %v, want both messages", got)
		}
		if got := qns(entA); len(got) != 1 || got[0] != "20240215" {
			t.Errorf("A sees %v, want only its February message", got)
		}
		for _, p := range []filing.Principal{entB, envB} {
			if got := qns(p); len(got) != 1 || got[0] != "20240305" {
				t.Errorf("%s of B sees %v, want only the March message", p.Role, got)
			}
		}
	})
}
