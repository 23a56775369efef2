package location_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/ingest/location"
	"github.com/seclake/seclake/internal/s3remote"
)

// remoteEndpoint stands in for a bucket on another S3 endpoint (the other side of s3remote.Sources): its keys,
// the StartAfter of each listing, or its refusal.
type remoteEndpoint struct {
	keys   []string
	afters []string
	refuse error
}

func (r *remoteEndpoint) Has(remote string) bool { return remote == "b" }

func (r *remoteEndpoint) List(_ context.Context, remote, _, prefix, after string, maxKeys int) ([]s3remote.RemoteObject, bool, error) {
	r.afters = append(r.afters, after)
	if r.refuse != nil {
		return nil, false, errors.New("remote " + remote + ": " + r.refuse.Error())
	}
	sort.Strings(r.keys)
	var out []s3remote.RemoteObject
	for _, k := range r.keys {
		if strings.HasPrefix(k, prefix) && k > after {
			if len(out) == maxKeys {
				return out, true, nil
			}
			out = append(out, s3remote.RemoteObject{Key: k, ETag: `"e-` + k + `"`, Size: 1})
		}
	}
	return out, false, nil
}

// TestRemotePollResumes: a remote location is listed from its cursor (StartAfter), a page per pass, by a new
// Service over the same store too (a restart); once at its end it is polled again every PollInterval, finding
// the keys added after the cursor; a refused listing is kept on the location until a poll succeeds; removing it
// needs no subscription.
func TestRemotePollResumes(t *testing.T) {
	f := newFixture(t)
	ep := &remoteEndpoint{keys: []string{"p/k1", "p/k2", "p/k3", "other/k0"}}
	svc := func() *location.Service {
		l, err := location.New(location.Config{Meta: f.st.Meta, Objects: f.st.Objects, Lakes: f.st.Lakes, Engine: f.engine,
			Authz: f.st.IAM, Clock: f.clock, PageSize: 2, PagesPerRun: 1, Remotes: ep, PollInterval: 10 * time.Second})
		require.NoError(t, err)
		return l
	}
	locs := svc()
	_, err := locs.Add(ctx, f.root, location.AddInput{Bucket: "logs", Prefix: "p/", Remote: "nobody"})
	require.Equal(t, "BadRequestException", code(err))
	out, err := locs.Add(ctx, f.root, location.AddInput{Bucket: "logs", Prefix: "p/", Remote: "b", Source: "cloudtrail"})
	require.NoError(t, err)
	require.True(t, out.LakeCreated)
	id := out.Location.ID

	require.NoError(t, locs.RunBackfill(ctx))
	require.NoError(t, locs.RunBackfill(ctx), "not due yet")
	require.Equal(t, []string{""}, ep.afters)
	f.clock.Advance(10 * time.Second)
	require.NoError(t, svc().RunBackfill(ctx), "a restarted service resumes from the cursor")
	require.Equal(t, []string{"", "p/k2"}, ep.afters)
	l, err := locs.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, location.Backfill{Listed: 3, Enqueued: 3, Complete: true}, l.Backfill)
	require.EqualValues(t, 3, l.Objects.Queued)

	ep.keys = append(ep.keys, "p/k4")
	ep.refuse = errors.New("AccessDenied: Access Denied")
	f.clock.Advance(10 * time.Second)
	require.ErrorContains(t, locs.RunBackfill(ctx), "remote b: AccessDenied")
	l, err = locs.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, "remote b: AccessDenied: Access Denied", l.Backfill.Error)

	ep.refuse = nil
	f.clock.Advance(10 * time.Second)
	require.NoError(t, locs.RunBackfill(ctx))
	require.Equal(t, []string{"", "p/k2", "p/k3", "p/k3"}, ep.afters)
	l, err = locs.Get(ctx, f.root, id)
	require.NoError(t, err)
	require.Equal(t, location.Backfill{Listed: 4, Enqueued: 4, Complete: true}, l.Backfill, "the error is cleared")
	require.Equal(t, "b", l.Remote)

	_, err = locs.Remove(ctx, f.root, id)
	require.NoError(t, err)
}
