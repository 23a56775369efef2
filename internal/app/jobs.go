package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/schedule"
	"github.com/seclake/seclake/internal/stack"
)

// scheduler is the component that runs the components' background jobs on worker (and all) nodes, each once
// per slot of its schedule across the nodes that share the metadata store, and that reports the jobs on every
// node (/_seclake/jobs). It needs every component that declares jobs, so it stops before they do.
func (s *Server) scheduler(needs []string) component.Component {
	return component.Component{
		Name:  "scheduler",
		Needs: needs,
		Start: func(context.Context) error {
			var all []schedule.Job
			var here []string
			for _, j := range s.reg.Jobs() {
				all = append(all, j.Job)
				if j.RunsOn(s.target) {
					here = append(here, j.Name)
				}
			}
			sched, err := schedule.New(schedule.Config{Store: s.stack.Meta, Clock: s.clock, Node: s.node, Jobs: all,
				Logger: s.log.With("component", "scheduler"), Registry: s.metrics})
			if err != nil {
				return err
			}
			s.stack.SetWake(sched.Wake)
			if err := sched.Start(here...); err != nil {
				return err
			}
			s.sched = sched
			if len(here) == 0 {
				s.log.Info("this node runs no background jobs", "target", s.target, "node", s.node)
			} else {
				s.log.Info("this node runs background jobs", "target", s.target, "node", s.node, "jobs", here)
			}
			return nil
		},
		Stop: func(context.Context) error {
			s.sched.Stop()
			return nil
		},
	}
}

// jobsReport is the answer of /_seclake/jobs.
type jobsReport struct {
	// Node and Target are the answering node's.
	Node   string    `json:"node"`
	Target string    `json:"target"`
	Now    time.Time `json:"now"`
	// Jobs are the cluster's jobs, as the shared store records them.
	Jobs []schedule.Status `json:"jobs"`
}

func (s *Server) jobs(ctx context.Context) (any, error) {
	st, err := s.sched.Status(ctx)
	if err != nil {
		return nil, err
	}
	return jobsReport{Node: s.node, Target: string(s.target), Now: s.clock.Now().UTC(), Jobs: st}, nil
}

// jobNeeds returns the names of the components that declare jobs, with the stores the scheduler keeps its
// state in.
func jobNeeds(cs []component.Component) []string {
	needs := []string{stack.NameStores}
	for _, c := range cs {
		if len(c.Jobs) > 0 {
			needs = append(needs, c.Name)
		}
	}
	return needs
}

// nodeName names this node in job claims and run records: the host name and a random suffix, so that several
// nodes on one host (or one process, in tests) differ.
func nodeName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "seclake"
	}
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
