// Package component starts and stops the parts of a server — its stores, services and listener — in
// dependency order, and collects the background jobs each part declares with the target that runs them.
//
// A component declares its name, the components it needs, Start and Stop, and its jobs. A Registry starts
// components so that each starts after everything it needs, stops them in the reverse order, and, when a
// start fails, stops what had already started before it returns the error.
package component

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/seclake/seclake/internal/schedule"
)

// Target is what a node does: the targets of `seclake serve --target`.
type Target string

// Targets.
const (
	// All serves the AWS APIs and runs the background jobs.
	All Target = "all"
	// API serves the AWS APIs and runs no background jobs.
	API Target = "api"
	// Worker runs the background jobs.
	Worker Target = "worker"
)

// Runs reports whether a node of target t runs what is declared for target want: an all node runs
// everything, and what is declared for all runs everywhere.
func (t Target) Runs(want Target) bool { return t == All || want == All || t == want }

// Component is a part of the server that starts and stops.
type Component struct {
	// Name identifies the component in Needs and in errors.
	Name string
	// Needs names the components that must have started before this one, and stop after it.
	Needs []string
	// Start starts the component (nil: nothing to start). Components often build their service here, from
	// what the components they need have built. A Start that fails undoes what it did itself.
	Start func(ctx context.Context) error
	// Stop stops it (nil: nothing to stop). It runs only if Start succeeded.
	Stop func(ctx context.Context) error
	// Jobs are the component's periodic jobs. They call into the component, so they run only while it runs.
	Jobs []Job
}

// Job is a periodic job of a component, with the target of the nodes that run it.
type Job struct {
	schedule.Job
	// Target says which nodes run the job: Worker (the default when empty) runs it on worker and all nodes.
	Target Target
}

// RunsOn reports whether a node of target t runs the job.
func (j Job) RunsOn(t Target) bool {
	want := j.Target
	if want == "" {
		want = Worker
	}
	return t.Runs(want)
}

// Registry holds a server's components. The zero Registry is empty and ready to use; it is not safe for
// concurrent use.
type Registry struct {
	comps   []Component
	started []int // indexes into comps, in the order they started
}

// Add adds components. A name may be added once.
func (r *Registry) Add(cs ...Component) error {
	for _, c := range cs {
		if c.Name == "" {
			return errors.New("component: a component needs a name")
		}
		if r.index(c.Name) >= 0 {
			return fmt.Errorf("component: %q added twice", c.Name)
		}
		r.comps = append(r.comps, c)
	}
	return nil
}

func (r *Registry) index(name string) int {
	for i, c := range r.comps {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Order returns the components' names in the order Start starts them: each after the components it needs,
// otherwise in the order they were added. A need of a component that was not added, or a cycle, is an error.
func (r *Registry) Order() ([]string, error) {
	idx, err := r.order()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(idx))
	for i, n := range idx {
		names[i] = r.comps[n].Name
	}
	return names, nil
}

func (r *Registry) order() ([]int, error) {
	const (
		unseen = iota
		visiting
		done
	)
	state := make([]int, len(r.comps))
	var out []int
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			return fmt.Errorf("component: needs form a cycle: %s → %s", strings.Join(path, " → "), r.comps[i].Name)
		}
		state[i] = visiting
		path = append(path, r.comps[i].Name)
		for _, need := range r.comps[i].Needs {
			j := r.index(need)
			if j < 0 {
				return fmt.Errorf("component: %s needs %q, which was not added", r.comps[i].Name, need)
			}
			if err := visit(j); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		out = append(out, i)
		return nil
	}
	for i := range r.comps {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Start starts every component in dependency order. If one fails, it stops those already started, in
// reverse order, and returns the failure (with any errors of stopping).
func (r *Registry) Start(ctx context.Context) error {
	if len(r.started) > 0 {
		return errors.New("component: already started")
	}
	order, err := r.order()
	if err != nil {
		return err
	}
	for _, i := range order {
		c := r.comps[i]
		if c.Start != nil {
			if err := c.Start(ctx); err != nil {
				return errors.Join(fmt.Errorf("start %s: %w", c.Name, err), r.Stop(context.WithoutCancel(ctx)))
			}
		}
		r.started = append(r.started, i)
	}
	return nil
}

// Stop stops the started components in the reverse order of their start. It stops every one even when some
// fail, and returns their errors together. Stopping a stopped registry does nothing.
func (r *Registry) Stop(ctx context.Context) error {
	var errs []error
	for k := len(r.started) - 1; k >= 0; k-- {
		c := r.comps[r.started[k]]
		if c.Stop == nil {
			continue
		}
		if err := c.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", c.Name, err))
		}
	}
	r.started = nil
	return errors.Join(errs...)
}

// Jobs returns the jobs of every component, in the order the components were added.
func (r *Registry) Jobs() []Job {
	var out []Job
	for _, c := range r.comps {
		out = append(out, c.Jobs...)
	}
	return out
}
