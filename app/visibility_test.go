package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/app"
	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/hj212"
	"github.com/ecotax/ecotax/reconcile"
	"github.com/ecotax/ecotax/reconcile/reconciletest"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// newService is the application layer on db with clock now (nil: the
// real one).
func newService(t *testing.T, db *store.DB, now func() time.Time) *app.Service {
	t.Helper()
	tables, err := app.LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Deps{Store: db, Tables: tables, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// TestPacketsOnlyForTheMappingsDays (issue 11, item 1): B's officer
// cannot map A's device for an old window; where B's taxpayer was
// rightly given the MN for other days, B sees only the packets of those
// days; neither refusal names A.
func TestPacketsOnlyForTheMappingsDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db, nil)
		codeA, codeB := "91350100M000100Y43", "91110105MA0000000Y"
		for _, tp := range []filing.Taxpayer{{CreditCode: codeA, Name: "甲", Region: "500103", Industry: "4411"}, {CreditCode: codeB, Name: "乙", Region: "110105", Industry: "4411"}} {
			if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, tp); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: codeA, MN: "MN-A", OutletNo: "DA001", ValidFrom: "2024-01-01"}); err != nil {
			t.Fatal(err)
		}
		frames, _, err := reconciletest.Month(reconciletest.Device{MN: "MN-A", Factors: []reconciletest.Factor{{Code: "a21026", CouMilli: 100, AvgTenths: 300}}}, "2024-01")
		if err != nil {
			t.Fatal(err)
		}
		var batch []store.Incoming
		for _, f := range frames {
			batch = append(batch, store.Incoming{Packet: hj212.Parse(f, hj212.Options{Lenient: true}), Origin: "test"})
		}
		if _, _, err := svc.Ingest(ctx, admin, batch); err != nil {
			t.Fatal(err)
		}
		envB := filing.Principal{Role: filing.RoleEnvOfficer, Region: "110105", TokenID: 7}
		entB := filing.Principal{Role: filing.RoleEnterprise, CreditCode: codeB, TokenID: 8}
		noLeak := func(err error, code string) {
			t.Helper()
			ce, ok := err.(*calc.Error)
			if !ok || ce.Code != code {
				t.Fatalf("got %v, want %s", err, code)
			}
			all := ce.Title + ce.Detail
			for _, f := range ce.Errors {
				all += f.Message
			}
			if strings.Contains(all, codeA) || strings.Contains(all, "DA001") {
				t.Errorf("the refusal names the other tenant: %s", all)
			}
		}
		// B's officer: an old window of A's device is refused, and so is an
		// overlapping one, without naming A.
		_, err = svc.RegisterDevice(ctx, envB, app.Idem{}, reconcile.Device{CreditCode: codeB, MN: "MN-A", OutletNo: "DA009", ValidFrom: "2023-06-01", ValidTo: "2023-06-30"})
		noLeak(err, "device_mapped_elsewhere")
		_, err = svc.RegisterDevice(ctx, envB, app.Idem{}, reconcile.Device{CreditCode: codeB, MN: "MN-A", OutletNo: "DA009", ValidFrom: "2024-01-15"})
		noLeak(err, "device_overlap")
		if _, err := svc.Packets(ctx, entB, store.PacketFilter{MN: "MN-A"}); err == nil {
			t.Fatal("B's enterprise lists the packets of an MN never mapped to it")
		}
		// An authority that sees both maps the device to B for an old
		// window: B sees none of A's January packets.
		if _, err := svc.RegisterDevice(ctx, admin, app.Idem{}, reconcile.Device{CreditCode: codeB, MN: "MN-A", OutletNo: "DA009", ValidFrom: "2023-06-01", ValidTo: "2023-06-30"}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []filing.Principal{entB, envB, {Role: filing.RoleTaxOfficer, Region: "110105"}} {
			list, err := svc.Packets(ctx, p, store.PacketFilter{MN: "MN-A", Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 0 {
				t.Errorf("%s of B lists %d of A's packets (first %s)", p.Role, len(list), list[0].DataTime)
			}
			out, err := svc.OutletPackets(ctx, p, codeB, "DA009", []string{"2023-06", "2024-01"})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range out {
				if len(d.Packets) != 0 {
					t.Errorf("%s of B reads %d of A's packets of %s", p.Role, len(d.Packets), d.Month)
				}
			}
		}
		// A sees its own, all of them.
		entA := filing.Principal{Role: filing.RoleEnterprise, CreditCode: codeA, TokenID: 9}
		list, err := svc.Packets(ctx, entA, store.PacketFilter{MN: "MN-A", Limit: 1000})
		if err != nil || len(list) != len(frames) {
			t.Fatalf("A lists %d of %d packets: %v", len(list), len(frames), err)
		}
		// A's mapping that ends: B's officer may map the device from a
		// later day, and B then sees only the packets from that day.
		// (The mapping of A is ended by an authority that sees A.)
		devs, err := svc.Devices(ctx, admin, codeA)
		if err != nil {
			t.Fatal(err)
		}
		end := devs[0]
		end.ValidTo = "2024-01-20"
		if _, err := svc.ChangeDevice(ctx, admin, codeA, end.ID, end.Version, end); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RegisterDevice(ctx, envB, app.Idem{}, reconcile.Device{CreditCode: codeB, MN: "MN-A", OutletNo: "DA009", ValidFrom: "2024-01-21"}); err != nil {
			t.Fatal(err)
		}
		list, err = svc.Packets(ctx, entB, store.PacketFilter{MN: "MN-A", Limit: 1000})
		if err != nil || len(list) == 0 {
			t.Fatalf("B after the move: %d packets, %v", len(list), err)
		}
		for _, p := range list {
			if p.DataTime[:8] < "20240121" {
				t.Fatalf("B lists A's packet of %s", p.DataTime)
			}
		}
	})
}

// TestRegisteringACodeRegisteredElsewhere (issue 11, item 2): a tax
// officer of another region is not told that the code is registered
// (nor where); one of the same region is.
func TestRegisteringACodeRegisteredElsewhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := newService(t, db, nil)
		code := "91350100M000100Y43"
		if _, err := svc.RegisterTaxpayer(ctx, admin, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "甲", Region: "500103", Industry: "4411"}); err != nil {
			t.Fatal(err)
		}
		other := filing.Principal{Role: filing.RoleTaxOfficer, Region: "110105", TokenID: 3}
		_, err := svc.RegisterTaxpayer(ctx, other, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "乙", Region: "110105", Industry: "4411"})
		ce, ok := err.(*calc.Error)
		if !ok || ce.Code != "credit_code_unavailable" || strings.Contains(ce.Detail+ce.Title, "500103") || strings.Contains(ce.Detail, "registered") && !strings.Contains(ce.Detail, "cannot be registered") {
			t.Errorf("another region's officer: %v", err)
		}
		same := filing.Principal{Role: filing.RoleTaxOfficer, Region: "500103", TokenID: 4}
		_, err = svc.RegisterTaxpayer(ctx, same, app.Idem{}, filing.Taxpayer{CreditCode: code, Name: "甲", Region: "500103", Industry: "4411"})
		if ce, ok := err.(*calc.Error); !ok || ce.Code != "taxpayer_exists" {
			t.Errorf("the same region's officer: %v", err)
		}
	})
}
