package schedule

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// recentLimit is how many of its newest runs a job's Status lists.
const recentLimit = 20

// Status is what the cluster knows about a job: its schedule, its runs, and when it is due.
type Status struct {
	Name string `json:"name"`
	// Every is the length of the job's slots, as a Go duration ("5m0s"): the job runs once in each.
	Every string `json:"every"`
	// Runs and Failures count the job's runs across the cluster (failures include abandoned runs).
	Runs     uint64 `json:"runs"`
	Failures uint64 `json:"failures"`
	// LastRun is the newest finished run.
	LastRun *Run `json:"lastRun,omitempty"`
	// Running is the run in progress, if any.
	Running *Running `json:"running,omitempty"`
	// NextDue is when the job's next slot begins. A time in the past means the job is due: it runs as soon as
	// a worker looks (if none does, no worker is running).
	NextDue time.Time `json:"nextDue"`
	// Recent are the newest runs, newest first.
	Recent []Run `json:"recent"`
}

// Running is a run in progress.
type Running struct {
	Seq        uint64    `json:"seq"`
	Slot       time.Time `json:"slot"`
	Node       string    `json:"node"`
	Start      time.Time `json:"start"`
	LeaseUntil time.Time `json:"leaseUntil"`
}

// Status reports every job of the scheduler, in the order they were given. It reads the shared store, so
// every node answers the same, whether or not it runs the jobs.
func (s *Scheduler) Status(ctx context.Context) ([]Status, error) {
	now := s.cfg.Clock.Now()
	var out []Status
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		out = out[:0]
		for _, name := range s.order {
			j := s.jobs[name]
			st, err := loadState(tx, name)
			if err != nil {
				return err
			}
			recent, err := recentRuns(tx, name, recentLimit)
			if err != nil {
				return err
			}
			js := Status{Name: name, Every: j.Every.String(), Runs: st.Runs, Failures: st.Failures, LastRun: st.Last, Recent: recent}
			if js.Recent == nil {
				js.Recent = []Run{}
			}
			switch c := st.Claim; {
			case c != nil:
				js.Running = &Running{Seq: c.Seq, Slot: c.Slot, Node: c.Node, Start: c.Start, LeaseUntil: c.Until}
				js.NextDue = slotOf(c.Slot, j.Every).Add(j.Every)
			case st.Done.IsZero():
				js.NextDue = slotOf(now, j.Every)
			default:
				js.NextDue = slotOf(st.Done, j.Every).Add(j.Every)
			}
			out = append(out, js)
		}
		return nil
	})
	return out, err
}
