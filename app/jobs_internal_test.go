package app

import (
	"context"
	"testing"
	"time"

	"github.com/ecotax/ecotax/filing"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestWaitReconciliationJob: waiting for a job that cannot start (both
// slots taken) gives it back queued once the wait is over; once the slots
// are free it runs, and the wait ends as soon as it is done, with its
// run. A finished job is read at once, whatever the wait.
func TestWaitReconciliationJob(t *testing.T) {
	db := storetest.OpenSQLite(t)
	tables, err := LoadTables()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Deps{Store: db, Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := filing.Principal{Role: filing.RoleTaxOfficer, TokenID: 7, Region: "500000"}
	slots := s.jobTable().slots
	for range cap(slots) {
		slots <- struct{}{}
	}
	j, err := s.StartReconciliation(ctx, p, Idem{}, RunRequest{Period: "2024-Q1"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.WaitReconciliationJob(ctx, p, j.ID, 50*time.Millisecond)
	if err != nil || w.Status != "queued" || w.Finished() {
		t.Fatalf("a job that cannot start, after the wait: %+v, %v", w, err)
	}
	for range cap(slots) {
		<-slots
	}
	w, err = s.WaitReconciliationJob(ctx, p, j.ID, time.Minute)
	if err != nil || w.Status != "done" || w.RunID == nil || !w.Finished() {
		t.Fatalf("the job once the slots are free: %+v, %v", w, err)
	}
	start := time.Now()
	if w, err := s.WaitReconciliationJob(ctx, p, j.ID, time.Hour); err != nil || w.Status != "done" || time.Since(start) > 10*time.Second {
		t.Errorf("a finished job waited for: %+v, %v", w, err)
	}
	other := filing.Principal{Role: filing.RoleTaxOfficer, TokenID: 8, Region: "500000"}
	if _, err := s.WaitReconciliationJob(ctx, other, j.ID, time.Second); err == nil {
		t.Errorf("another officer reads the job")
	}
}
