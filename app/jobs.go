package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/filing"
)

// Reconciliation jobs: a run over a large region takes longer than an
// HTTP request may wait, so a door can hand it to a background job and
// fetch its progress and, once done, the stored run. Jobs live in the
// process (a restart forgets them; the runs they stored stay); at most
// jobSlots run at once, later ones wait their turn, and the last jobKeep
// jobs are remembered.

const (
	jobSlots = 2
	jobKeep  = 200
)

// Job is what a caller sees of a background reconciliation.
type Job struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"` // queued, running, done, failed
	Period     string     `json:"period"`
	Region     string     `json:"region"`
	CreditCode string     `json:"credit_code"`
	Done       int        `json:"done"`  // taxpayers reconciled and stored
	Total      int        `json:"total"` // taxpayers in scope (0 until known)
	RunID      *int64     `json:"run_id"`
	Error      *JobError  `json:"error"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`

	done chan struct{} // closed when the job has finished (WaitReconciliationJob)
}

// JobError is why a job failed, as a problem's code, title and detail.
type JobError struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

type jobs struct {
	mu    sync.Mutex
	byID  map[string]*Job
	order []string
	slots chan struct{}
}

func (s *Service) jobTable() *jobs {
	s.jobsOnce.Do(func() {
		s.jobs = &jobs{byID: map[string]*Job{}, slots: make(chan struct{}, jobSlots)}
	})
	return s.jobs
}

// StartReconciliation checks the request as RunReconciliation does and
// runs it in the background; the returned job (queued) is read with
// ReconciliationJob. The run goes on when ctx (the request) ends. With
// an Idempotency-Key, the job of a request already answered is done at
// once with its run, and one whose run stopped half-way (the server
// restarted) continues it.
func (s *Service) StartReconciliation(ctx context.Context, p filing.Principal, k Idem, in RunRequest) (*Job, error) {
	_, region, _, err := checkRun(p, in)
	if err != nil {
		return nil, err
	}
	if err := k.check(); err != nil {
		return nil, err
	}
	var b [8]byte
	rand.Read(b[:])
	j := &Job{ID: hex.EncodeToString(b[:]), Status: "queued", Period: in.Period, Region: region, CreditCode: in.CreditCode,
		CreatedBy: p.Actor(), CreatedAt: s.now().UTC(), done: make(chan struct{})}
	t := s.jobTable()
	t.mu.Lock()
	t.byID[j.ID] = j
	t.order = append(t.order, j.ID)
	for len(t.order) > jobKeep {
		old := t.byID[t.order[0]]
		if old.Status != "done" && old.Status != "failed" {
			break // never forget a job that has not finished
		}
		delete(t.byID, t.order[0])
		t.order = t.order[1:]
	}
	view := *j
	t.mu.Unlock()

	bg := context.WithoutCancel(ctx)
	go func() {
		t.slots <- struct{}{}
		defer func() { <-t.slots }()
		t.update(j, func(j *Job) { j.Status = "running" })
		in.Region = region
		in.Progress = func(done, total int) { t.update(j, func(j *Job) { j.Done, j.Total = done, total }) }
		cr, err := s.RunReconciliation(bg, p, k, in)
		var id int64
		if err == nil {
			id, err = runID(cr)
		}
		now := s.now().UTC()
		t.update(j, func(j *Job) {
			j.FinishedAt = &now
			if err != nil {
				var ce *calc.Error
				if !errors.As(err, &ce) {
					ce = Fail(calc.KindInternal, "internal", "内部错误", "the reconciliation failed; the log has the cause")
				}
				j.Status, j.Error = "failed", &JobError{ce.Code, ce.Title, ce.Detail}
				return
			}
			j.Status, j.RunID = "done", &id
			if cr.Value != nil {
				j.Done, j.Total = cr.Value.Run.Taxpayers, cr.Value.Run.Taxpayers
			}
		})
		close(j.done)
		if err != nil {
			slog.Error("reconciliation job", slog.String("job", j.ID), slog.Any("error", err))
		}
	}()
	return &view, nil
}

// runID is the run a reconciliation stored, or the one a replay names.
func runID(cr *Created[*RunView]) (int64, error) {
	if cr.Value != nil {
		return cr.Value.Run.ID, nil
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(cr.Ref, "reconciliations/"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("app: the stored answer names %q, not a run", cr.Ref)
	}
	return id, nil
}

func (t *jobs) update(j *Job, f func(*Job)) {
	t.mu.Lock()
	f(j)
	t.mu.Unlock()
}

// ReconciliationJob reads a job: its starter and the operator may.
func (s *Service) ReconciliationJob(ctx context.Context, p filing.Principal, id string) (*Job, error) {
	if err := allowed(p, filing.ActReconcileRun); err != nil {
		return nil, err
	}
	t := s.jobTable()
	t.mu.Lock()
	defer t.mu.Unlock()
	j := t.byID[id]
	if j == nil || (j.CreatedBy != p.Actor() && p.Role != filing.RoleAdmin) {
		return nil, Fail(calc.KindNotFound, "job_not_found", "比对任务不存在", "no such reconciliation job (jobs are kept in the server's memory)")
	}
	v := *j
	return &v, nil
}

// WaitReconciliationJob is ReconciliationJob once the job has finished,
// or after d, or when ctx ends, whichever comes first: the page that
// starts a run waits a moment, so that a small run answers at once and a
// large one shows its progress instead of holding the request.
func (s *Service) WaitReconciliationJob(ctx context.Context, p filing.Principal, id string, d time.Duration) (*Job, error) {
	j, err := s.ReconciliationJob(ctx, p, id)
	if err != nil || d <= 0 {
		return j, err
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-j.done:
	case <-timer.C:
	case <-ctx.Done():
	}
	return s.ReconciliationJob(ctx, p, id)
}

// Finished says whether a job has ended, done or failed.
func (j *Job) Finished() bool { return j.Status == "done" || j.Status == "failed" }
