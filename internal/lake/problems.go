package lake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/meta"
)

// Problems says what ingestion fails at in the lakes (ingest's records), one entry per cause while it lasts.
type Problems interface {
	// Problems returns the lasting causes of account's lake in region (of every lake when account is empty).
	Problems(ctx context.Context, account, region string) ([]Problem, error)
}

// Problem kinds.
const (
	ProblemRefused  = "REFUSED"   // a policy refused Principal the Action on Resource
	ProblemFailed   = "FAILED"    // objects of the source fail for another reason
	ProblemSetAside = "SET_ASIDE" // records of the source could not be normalized
	// ProblemReplication: the lake's data does not replicate to its rollup regions (Objects versions wait).
	ProblemReplication = "REPLICATION"
)

// Problem is a cause of failure of ingestion into account's lake in region, while it lasts.
type Problem struct {
	Account, Region string
	// Source and Version name the source ("VPC_FLOW", "2.0"; a source Security Lake does not have: seclake's
	// name, no version).
	Source, Version             string
	Cause, Kind, Reason         string
	Principal, Action, Resource string
	Objects                     int64
	First, Last                 time.Time
}

// SyncExceptions turns what ingestion fails at into data lake exceptions: one per cause while it lasts, delivered
// to the account's exception subscription; causes that passed are forgotten, so that they get a new exception if
// they come back. It returns how many exceptions it added. The lake.provision job runs it every second.
func (s *Service) SyncExceptions(ctx context.Context) (int, error) {
	if s.cfg.Problems == nil {
		return 0, nil
	}
	ps, err := s.cfg.Problems.Problems(ctx, "", "")
	if err != nil {
		return 0, err
	}
	open := map[string]bool{}
	n := 0
	for _, p := range ps {
		id := "ingest/" + p.Source + "/" + p.Cause
		open[key(p.Account, p.Region, id)] = true
		exception, remediation := describeProblem(p)
		if stmt := s.slrKeyStatement(ctx, p); stmt != "" {
			remediation = "Add the first guide's \"Allow SLR\" statement to " + policyOf(p.Action, p.Resource) +
				", then the waiting objects are ingested on their next retry: " + stmt
		}
		added, err := s.raiseSeen(ctx, p.Account, p.Region, id, p.First.UTC().Format(time.RFC3339Nano), exception, remediation)
		if err != nil {
			return n, err
		}
		if added {
			n++
		}
	}
	var gone []string
	err = s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		gone = gone[:0]
		return tx.Scan(tableCauses, meta.Range{}, func(k string, _ []byte) bool {
			if strings.Contains(k, "/ingest/") && !open[k] {
				gone = append(gone, k)
			}
			return true
		})
	})
	if err != nil || len(gone) == 0 {
		return n, err
	}
	return n, s.cfg.Store.Update(ctx, func(tx meta.Tx) error {
		for _, k := range gone {
			if err := tx.Delete(tableCauses, k); err != nil && !errors.Is(err, meta.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

// describeProblem words a problem as an exception and the remediation that fixes it.
func describeProblem(p Problem) (exception, remediation string) {
	src := p.Source
	if p.Version != "" {
		src += " " + p.Version
	}
	switch p.Kind {
	case ProblemRefused:
		exception = fmt.Sprintf("Security Lake cannot collect source %s: %s may not %s on %s (%d attempts since %s; the data is kept and retried). %s",
			src, p.Principal, p.Action, p.Resource, p.Objects, p.First.UTC().Format(time.RFC3339), p.Reason)
		remediation = fmt.Sprintf("Add this statement to %s, then the waiting objects are ingested on their next retry: %s",
			policyOf(p.Action, p.Resource), statement(p.Principal, p.Action, p.Resource))
	case ProblemReplication:
		exception = fmt.Sprintf("Security Lake cannot replicate %d objects of the lake bucket %s to its rollup regions since %s "+
			"(they are kept there and retried): %s", p.Objects, p.Resource, p.First.UTC().Format(time.RFC3339), p.Reason)
		remediation = "Let the replication role do what the error names (the first guide's statement \"Allow SecurityLake ReplicationRole " +
			"To Use The Key\" in the key policy of each rollup region's key); `seclake lake doctor --region " + p.Region +
			"` checks every path of the replication role. The waiting objects replicate on their next retry."
	case ProblemSetAside:
		exception = fmt.Sprintf("Security Lake set aside %d records of source %s that it could not normalize since %s (latest: %s).",
			p.Objects, src, p.First.UTC().Format(time.RFC3339), p.Reason)
		remediation = "Read them with `seclake ingest set-aside` (each record, its object and why) and fix what writes them; the other records of their objects were ingested."
	default:
		exception = fmt.Sprintf("Security Lake cannot collect source %s: %s (%d attempts since %s; the data is kept and retried).",
			src, p.Reason, p.Objects, p.First.UTC().Format(time.RFC3339))
		remediation = "Fix the cause above; `seclake ingest failures` lists the objects that wait and when each is tried again."
	}
	return exception, remediation
}

// policyOf says which policy decides action on resource.
func policyOf(action, resource string) string {
	switch {
	case strings.HasPrefix(action, "kms:"):
		return "the key policy of " + resource
	case strings.HasPrefix(resource, "arn:aws:s3:::"):
		b, _, _ := strings.Cut(strings.TrimPrefix(resource, "arn:aws:s3:::"), "/")
		return "the bucket policy of " + b
	}
	return "the policy of " + resource
}

// statement is the policy statement that allows principal action on resource ("*" in a key policy).
func statement(principal, action, resource string) string {
	who := map[string]string{"Service": principal}
	if strings.HasPrefix(principal, "arn:") {
		who = map[string]string{"AWS": principal}
	}
	if strings.HasPrefix(action, "kms:") {
		resource = "*"
	}
	b, _ := json.Marshal(struct {
		Effect    string
		Principal map[string]string
		Action    string
		Resource  string
	}{"Allow", who, action, resource})
	return string(b)
}

// misconfigured marks MISCONFIGURED the items whose source has a lasting problem, adding a status per cause whose
// resource is what was refused (or the source's own path).
func (s *Service) misconfigured(ctx context.Context, account, region string, items []keyed[DataLakeSource]) error {
	if s.cfg.Problems == nil {
		return nil
	}
	ps, err := s.cfg.Problems.Problems(ctx, account, region)
	if err != nil {
		return err
	}
	for i := range items {
		it := &items[i].item
		for _, p := range ps {
			if p.Source != it.SourceName || p.Kind == ProblemSetAside {
				continue
			}
			it.Statuses[0].Status = "MISCONFIGURED"
			if p.Resource != "" {
				it.Statuses = append(it.Statuses, SourceStatus{Resource: p.Resource, Status: "MISCONFIGURED"})
			}
		}
	}
	return nil
}
