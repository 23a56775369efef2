package component

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/schedule"
)

// trace records the starts and stops of test components.
type trace struct{ events []string }

func (tr *trace) comp(name string, needs ...string) Component {
	return Component{Name: name, Needs: needs,
		Start: func(context.Context) error { tr.events = append(tr.events, "start "+name); return nil },
		Stop:  func(context.Context) error { tr.events = append(tr.events, "stop "+name); return nil },
	}
}

func TestStartsInDependencyOrderAndStopsInReverse(t *testing.T) {
	tr := &trace{}
	var r Registry
	require.NoError(t, r.Add(tr.comp("listener", "kms", "iam"), tr.comp("kms", "stores", "audit", "iam"), tr.comp("iam", "stores"),
		tr.comp("audit", "stores"), tr.comp("stores")))
	order, err := r.Order()
	require.NoError(t, err)
	require.Equal(t, []string{"stores", "audit", "iam", "kms", "listener"}, order)
	require.NoError(t, r.Start(context.Background()))
	require.ErrorContains(t, r.Start(context.Background()), "already started")
	require.NoError(t, r.Stop(context.Background()))
	require.Equal(t, []string{"start stores", "start audit", "start iam", "start kms", "start listener",
		"stop listener", "stop kms", "stop iam", "stop audit", "stop stores"}, tr.events)
	require.NoError(t, r.Stop(context.Background()), "stopping twice does nothing")
	require.Len(t, tr.events, 10)
}

func TestAFailedStartStopsWhatStarted(t *testing.T) {
	tr := &trace{}
	var r Registry
	broken := Component{Name: "kms", Needs: []string{"iam"}, Start: func(context.Context) error { return errors.New("no root key") },
		Stop: func(context.Context) error { t.Fatal("a component that did not start is not stopped"); return nil }}
	failingStop := tr.comp("iam", "stores")
	failingStop.Stop = func(context.Context) error { tr.events = append(tr.events, "stop iam"); return errors.New("iam: busy") }
	require.NoError(t, r.Add(tr.comp("stores"), failingStop, broken, tr.comp("listener", "kms")))
	err := r.Start(context.Background())
	require.ErrorContains(t, err, "start kms: no root key")
	require.ErrorContains(t, err, "stop iam: iam: busy")
	require.Equal(t, []string{"start stores", "start iam", "stop iam", "stop stores"}, tr.events)
}

func TestBadNeeds(t *testing.T) {
	tr := &trace{}
	var r Registry
	require.NoError(t, r.Add(tr.comp("a", "b"), tr.comp("b", "c"), tr.comp("c", "a")))
	_, err := r.Order()
	require.ErrorContains(t, err, "needs form a cycle: a → b → c → a")
	require.ErrorContains(t, r.Start(context.Background()), "cycle")
	require.Empty(t, tr.events)

	r = Registry{}
	require.NoError(t, r.Add(tr.comp("a", "nope")))
	_, err = r.Order()
	require.ErrorContains(t, err, `a needs "nope", which was not added`)
	require.ErrorContains(t, r.Add(tr.comp("a")), "added twice")
	require.ErrorContains(t, r.Add(Component{}), "needs a name")
}

func TestJobsAndTargets(t *testing.T) {
	job := func(name string, target Target) Job {
		return Job{Target: target, Job: schedule.Job{Name: name, Every: time.Hour, Run: func(context.Context) error { return nil }}}
	}
	var r Registry
	require.NoError(t, r.Add(Component{Name: "kms", Jobs: []Job{job("kms.due", "")}},
		Component{Name: "objstore", Jobs: []Job{job("s3.lifecycle", Worker), job("s3.cache", All)}}))
	var names []string
	for _, j := range r.Jobs() {
		names = append(names, j.Name)
	}
	require.Equal(t, []string{"kms.due", "s3.lifecycle", "s3.cache"}, names)
	for _, tc := range []struct {
		node Target
		runs []bool
	}{{All, []bool{true, true, true}}, {Worker, []bool{true, true, true}}, {API, []bool{false, false, true}}} {
		for i, j := range r.Jobs() {
			require.Equal(t, tc.runs[i], j.RunsOn(tc.node), "%s on %s", j.Name, tc.node)
		}
	}
}
