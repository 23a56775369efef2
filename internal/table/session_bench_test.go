package table

import (
	"context"
	"testing"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/clock"
)

// fixedSessions is a Sessions that always has the same session (what IAM answers is not measured here).
type fixedSessions struct{ c *actor.Caller }

func (f fixedSessions) ResourceManagementSession(context.Context, string, string, actor.Source) (*actor.Caller, error) {
	return f.c, nil
}

// BenchmarkLakeCaller is the cost the lake adds to each object read or write to act as its resource-management
// role: the kept session, copied for the request.
func BenchmarkLakeCaller(b *testing.B) {
	sess := &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: "111122223333",
		ARN: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForSecurityLakeResourceManagement/s"}}
	l := &Lake{cfg: Config{Region: "us-east-1", Account: "111122223333", Clock: clock.NewFake(time.Unix(0, 0)),
		Sessions: fixedSessions{sess}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if c := l.caller(ctx); c.Type != actor.TypeAssumedRole {
			b.Fatal("not the role's session")
		}
	}
}

// TestLakeCallerFallsBack: without a resource-management role the lake acts as the Security Lake service
// principal; with one, as the role's session, with the request's time, region and source.
func TestLakeCallerFallsBack(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := &Lake{cfg: Config{Region: "us-east-1", Account: "111122223333", Clock: clock.NewFake(now), Sessions: fixedSessions{}}}
	if c := l.caller(context.Background()); c.Type != actor.TypeService || c.Service != Principal {
		t.Fatalf("no role: got %s", c.Who())
	}
	sess := &actor.Caller{Identity: actor.Identity{Type: actor.TypeAssumedRole, Account: "111122223333", ARN: "arn:aws:sts::111122223333:assumed-role/R/s"}}
	l = &Lake{cfg: Config{Region: "us-east-1", Account: "111122223333", Clock: clock.NewFake(now), Sessions: fixedSessions{sess}}}
	c := l.caller(context.Background())
	if c.ARN != sess.ARN || !c.Time.Equal(now) || c.Region != "us-east-1" || c.Source.Account != "111122223333" {
		t.Fatalf("role: got %s at %s in %s for %q", c.Who(), c.Time, c.Region, c.Source.Account)
	}
}
