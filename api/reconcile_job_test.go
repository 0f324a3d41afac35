package api_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecotax/ecotax/api"
	"github.com/ecotax/ecotax/store"
	"github.com/ecotax/ecotax/store/storetest"
	"github.com/ecotax/ecotax/web/pages"
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

// TestWebReconciliationJobPage: the officer's 重新比对 on the pages runs
// as a background job. Told not to wait (pages.Config.JobWait < 0), the
// form goes to the job's page, which reloads itself while the job runs
// (its progress in words) and, once the job is done, goes to the
// results, which show the run. Another officer's job and an unknown one
// are not found, in words.
func TestWebReconciliationJobPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWithKey(t, db, api.Config{}, nil, func(c *pages.Config) { c.JobWait = -1 })
		flaggedWorld(t, e, db)
		o := newBrowser(t, e)
		o.signIn(e.tokens["tax_officer"])
		o.get("/app/reconciliation?period=2024-Q1&region=500000") // the page with the form
		loc := location(t, o.post("/app/reconciliation/run", url.Values{"period": {"2024-Q1"}, "region": {"500000"}}), 303)
		if !strings.HasPrefix(loc, "/app/reconciliation/jobs/") {
			t.Fatalf("the run went to %q, not its job", loc)
		}
		deadline := time.Now().Add(30 * time.Second)
		var results string
		for results == "" {
			p := o.get(loc)
			switch {
			case p.status == 303:
				results = p.header.Get("Location")
			case p.status == 200:
				if !strings.Contains(p.body, `<meta http-equiv="refresh" content="2">`) || !strings.Contains(p.body, "比对进行中") || !strings.Contains(p.body, "2024-Q1") {
					t.Fatalf("the job's page while it runs:\n%s", tagRe.ReplaceAllString(p.body, " "))
				}
				plainChinese(t, "job page", p.body)
			default:
				t.Fatalf("the job's page: %d", p.status)
			}
			if time.Now().After(deadline) {
				t.Fatal("the job did not finish")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if results != "/app/reconciliation?period=2024-Q1&region=500000" {
			t.Errorf("a done job goes to %q", results)
		}
		list := o.get(results)
		if list.status != 200 || !strings.Contains(list.body, "最近一次：") || !strings.Contains(list.body, `data-code="`+codeA+`"`) {
			t.Errorf("the results after the job: %d", list.status)
		}
		other := newBrowser(t, e)
		other.signIn(e.tokens["admin"])
		if p := other.get(loc); p.status != 303 {
			t.Errorf("the operator reading the job: %d", p.status)
		}
		bj := newBrowser(t, e)
		bj.signIn(e.tokens["tax_officer_bj"])
		for _, path := range []string{loc, "/app/reconciliation/jobs/nope"} {
			p := bj.get(path)
			if p.status != 404 || !strings.Contains(p.body, "比对任务不存在") {
				t.Errorf("%s for another officer: %d", path, p.status)
			}
			plainChinese(t, "job not found", p.body)
		}
	})
}
