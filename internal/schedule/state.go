package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Tables owned by this package.
const (
	tableJobs = "schedule.jobs" // job name → state
	tableRuns = "schedule.runs" // job name "/" run number (%020d) → Run
)

// keepRuns is how many run records are kept per job.
const keepRuns = 100

// Outcomes of a run.
const (
	// OutcomeOK is a run that returned no error.
	OutcomeOK = "ok"
	// OutcomeFailed is a run that returned an error; its slot counts as run.
	OutcomeFailed = "failed"
	// OutcomeAbandoned is a run whose node stopped renewing its lease (it died or lost the store); another
	// node took the job over.
	OutcomeAbandoned = "abandoned"
	// OutcomeInterrupted is a run cancelled because its node stopped; its slot was released and runs again.
	OutcomeInterrupted = "interrupted"
)

// state is a job's row: which slot ran last, the claim of the run in progress, and counts.
type state struct {
	// Done is the start of the newest slot whose run finished; zero before the first.
	Done time.Time `json:"done,omitzero"`
	// Claim is the run in progress, if any.
	Claim *claim `json:"claim,omitempty"`
	// Runs counts the claims ever made: the number of the newest run.
	Runs uint64 `json:"runs"`
	// Failures counts the runs that failed or were abandoned.
	Failures uint64 `json:"failures"`
	// Last is the newest finished run.
	Last *Run `json:"last,omitempty"`
}

// claim is a node's hold on one slot of a job.
type claim struct {
	Seq   uint64    `json:"seq"`
	Slot  time.Time `json:"slot"`
	Node  string    `json:"node"`
	Token string    `json:"token"`
	Start time.Time `json:"start"`
	Until time.Time `json:"until"`
}

// Run is the record of one run of a job.
type Run struct {
	// Seq numbers the job's runs from 1.
	Seq uint64 `json:"seq"`
	// Slot is the start of the slot the run was for.
	Slot time.Time `json:"slot"`
	// Node is the node that ran it.
	Node  string    `json:"node"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Outcome is OutcomeOK, OutcomeFailed, OutcomeAbandoned or OutcomeInterrupted.
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// slotOf returns the start of the slot of length every that holds t.
func slotOf(t time.Time, every time.Duration) time.Time {
	n := t.UnixNano()
	return time.Unix(0, n-n%int64(every)).UTC()
}

func loadState(tx meta.Tx, job string) (*state, error) {
	v, err := tx.Get(tableJobs, job)
	if errors.Is(err, meta.ErrNotFound) {
		return &state{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s: %w", job, err)
	}
	st := &state{}
	if err := json.Unmarshal(v, st); err != nil {
		return nil, fmt.Errorf("decode job %s: %w", job, err)
	}
	return st, nil
}

func saveState(tx meta.Tx, job string, st *state) error {
	v, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.Put(tableJobs, job, v)
}

func runKey(job string, seq uint64) string { return fmt.Sprintf("%s/%020d", job, seq) }

// putRun records a run and forgets the one keepRuns older.
func putRun(tx meta.Tx, job string, r *Run) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.Put(tableRuns, runKey(job, r.Seq), v); err != nil {
		return fmt.Errorf("record run %d of %s: %w", r.Seq, job, err)
	}
	if r.Seq > keepRuns {
		if err := tx.Delete(tableRuns, runKey(job, r.Seq-keepRuns)); err != nil && !errors.Is(err, meta.ErrNotFound) {
			return err
		}
	}
	return nil
}

// recentRuns returns up to n of the job's newest runs, newest first.
func recentRuns(tx meta.Tx, job string, n int) ([]Run, error) {
	var out []Run
	var derr error
	err := tx.Scan(tableRuns, meta.Range{Prefix: job + "/", Reverse: true, Limit: n}, func(_ string, v []byte) bool {
		var r Run
		if derr = json.Unmarshal(v, &r); derr != nil {
			return false
		}
		out = append(out, r)
		return true
	})
	return out, errors.Join(err, derr)
}
