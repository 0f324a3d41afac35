package api_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
)

// TestReconciliationJob: a run handed to a background job answers 202
// with the job at once; the job's progress is read at its Location until
// it is done, and then names the stored run. Another officer cannot read
// it; an unknown job is 404; a bad request fails before any job exists.
// A job posted again with the same Idempotency-Key is done with the first
// one's run.
func TestReconciliationJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, api.Config{})
		registerA(t, e)
		res := must(t, e.do("tax_officer", "POST", "/v1/reconciliation-jobs", obj{"period": "2024-Q1", "region": "500000"}, nil), 202)
		var j struct {
			ID     string
			Status string
			Done   int
			Total  int
			RunID  *int64 `json:"run_id"`
			Error  any
		}
		res.json(t, &j)
		loc := res.header.Get("Location")
		if j.ID == "" || loc != "/v1/reconciliation-jobs/"+j.ID || (j.Status != "queued" && j.Status != "running") {
			t.Fatalf("job %+v at %q", j, loc)
		}
		deadline := time.Now().Add(30 * time.Second)
		for j.Status != "done" && j.Status != "failed" && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			must(t, e.do("tax_officer", "GET", loc, nil, nil), 200).json(t, &j)
		}
		if j.Status != "done" || j.RunID == nil || j.Error != nil || j.Done != j.Total || j.Total < 1 {
			t.Fatalf("job %+v", j)
		}
		var run struct{ ID, Taxpayers int64 }
		must(t, e.do("tax_officer", "GET", "/v1/reconciliations/"+strconv.FormatInt(*j.RunID, 10), nil, nil), 200).json(t, &run)
		if run.ID != *j.RunID || run.Taxpayers != int64(j.Total) {
			t.Errorf("run %+v for job %+v", run, j)
		}
		// With an Idempotency-Key: the first job stores a run; the same
		// request again is a job done at once with that run.
		wait := func(loc string) (j struct {
			Status string
			RunID  *int64 `json:"run_id"`
		}) {
			deadline := time.Now().Add(30 * time.Second)
			for j.Status != "done" && j.Status != "failed" && time.Now().Before(deadline) {
				must(t, e.do("tax_officer", "GET", loc, nil, nil), 200).json(t, &j)
				time.Sleep(20 * time.Millisecond)
			}
			if j.Status != "done" || j.RunID == nil {
				t.Fatalf("job at %s: %+v", loc, j)
			}
			return j
		}
		key := hdr{"Idempotency-Key": "job-1"}
		first := wait(must(t, e.do("tax_officer", "POST", "/v1/reconciliation-jobs", obj{"period": "2024-Q1", "region": "500000"}, key), 202).header.Get("Location"))
		again := wait(must(t, e.do("tax_officer", "POST", "/v1/reconciliation-jobs", obj{"period": "2024-Q1", "region": "500000"}, key), 202).header.Get("Location"))
		if *first.RunID == *j.RunID || *again.RunID != *first.RunID {
			t.Errorf("runs: job %d, keyed job %d, its replay %d", *j.RunID, *first.RunID, *again.RunID)
		}
		must(t, e.do("admin", "GET", loc, nil, nil), 200)
		must(t, e.do("env_officer", "GET", loc, nil, nil), 403).problem(t)
		must(t, e.do("tax_officer_bj", "GET", loc, nil, nil), 404).problem(t)
		must(t, e.do("tax_officer", "GET", "/v1/reconciliation-jobs/nope", nil, nil), 404).problem(t)
		must(t, e.do("tax_officer", "POST", "/v1/reconciliation-jobs", obj{"period": "2024-13"}, nil), 400).problem(t)
		must(t, e.do("enterprise", "POST", "/v1/reconciliation-jobs", obj{"period": "2024-Q1"}, nil), 403).problem(t)
	})
}
