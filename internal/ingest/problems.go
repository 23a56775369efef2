package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/objstore"
)

// problemsTable holds what ingestion fails at, one record per cause while it lasts:
// <lake account>\x00<lake region>\x00<source>\x00<cause> → Problem. A record is written in the transaction that
// records a failed attempt (or set-aside records), and deleted in the one that commits the source's rows (or
// finishes one of its objects without set-aside records).
const problemsTable = "ingest.problems"

// Problem kinds.
const (
	// ProblemRefused: a policy refused Principal the Action on Resource (a key policy, a bucket policy).
	ProblemRefused = "REFUSED"
	// ProblemFailed: objects of the source fail for another reason (no lake, an unreadable object, …).
	ProblemFailed = "FAILED"
	// ProblemSetAside: records of the source could not be normalized and were set aside.
	ProblemSetAside = "SET_ASIDE"
)

// Problem is a cause of failure of ingestion into a lake, while it lasts.
type Problem struct {
	// Account and Region are the lake's.
	Account, Region string
	// Source is the source's Security Lake name and Version its version ("VPC_FLOW", "2.0"), or seclake's
	// name of the source when Security Lake has none (Version empty).
	Source, Version string
	// Cause identifies the cause within the lake's source (a refusal: its principal, action and resource).
	Cause string
	Kind  string
	// Reason is the latest error (a refusal's names the principal, the action and the statement missing).
	Reason string
	// Principal, Action and Resource are what a policy refused (Resource generalized to the bucket's objects,
	// arn:aws:s3:::bucket/*, for an object).
	Principal, Action, Resource string `json:",omitempty"`
	// Objects counts the failed attempts (or set-aside records) since the cause arose; First and Last when.
	Objects     int64
	First, Last time.Time
}

// problemFrom describes the failure cause of an attempt on ref.
func (s *Service) problemFrom(ref ObjectRef, cause error) Problem {
	p := Problem{Account: ref.Account, Region: ref.Region, Kind: ProblemFailed, Reason: cause.Error()}
	p.Source, p.Version = s.sourceName(ref.Source)
	var de *objstore.DeliveryError
	var den *actor.Denial
	switch {
	case errors.As(cause, &de):
		p.Kind, p.Principal, p.Action, p.Resource = ProblemRefused, de.Principal, de.Action, de.Resource
	case errors.As(cause, &den):
		p.Kind, p.Principal, p.Action, p.Resource = ProblemRefused, den.Principal, den.Action, den.Resource
	}
	if p.Kind == ProblemRefused {
		if b, _, isObject := strings.Cut(strings.TrimPrefix(p.Resource, "arn:aws:s3:::"), "/"); isObject && strings.HasPrefix(p.Resource, "arn:aws:s3:::") {
			p.Resource = "arn:aws:s3:::" + b + "/*"
		}
		p.Cause = hashCause(p.Kind, p.Principal, p.Action, p.Resource)
	} else {
		p.Cause = hashCause(p.Kind)
	}
	return p
}

// sourceName is the Security Lake name and version of a source named name ("" for undetected sources).
func (s *Service) sourceName(name string) (string, string) {
	if s.cfg.Sources == nil || name == "" {
		return name, ""
	}
	src, ok := s.cfg.Sources.Lookup(name)
	if !ok {
		return name, ""
	}
	if info := src.Info(); info.SecurityLake != "" {
		return info.SecurityLake, info.Version
	}
	return src.Info().Name, ""
}

func hashCause(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

func problemPrefix(account, region, src string) string {
	return account + "\x00" + region + "\x00" + src + "\x00"
}

// noteProblem records p in tx: a new cause, or one more occurrence of a lasting one.
func noteProblem(tx meta.Tx, p Problem, now time.Time, n int64) error {
	k := problemPrefix(p.Account, p.Region, p.Source) + p.Cause
	var old Problem
	if err := getJSON(tx, problemsTable, k, &old); err == nil {
		p.First, p.Objects = old.First, old.Objects
	} else if !isNotFound(err) {
		return err
	} else {
		p.First = now
	}
	p.Objects += n
	p.Last = now
	return putJSON(tx, problemsTable, k, p)
}

// clearProblems ends, in tx, the causes of the lake's source that a success disproves: every one but set-aside
// records (setAside false), or those only (true).
func clearProblems(tx meta.Tx, account, region, src string, setAside bool) error {
	ps, err := meta.ScanJSON[Problem](tx, problemsTable, meta.Range{Prefix: problemPrefix(account, region, src)})
	if err != nil {
		return err
	}
	for _, p := range ps {
		if (p.Kind == ProblemSetAside) != setAside {
			continue
		}
		if err := tx.Delete(problemsTable, problemPrefix(account, region, src)+p.Cause); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// Problems returns the causes of failure that last, of account's lake in region (of every lake when account is
// empty).
func (s *Service) Problems(ctx context.Context, account, region string) ([]Problem, error) {
	prefix := ""
	if account != "" {
		prefix = account + "\x00" + region + "\x00"
	}
	var out []Problem
	err := s.cfg.Meta.View(ctx, func(tx meta.Tx) error {
		ps, err := meta.ScanJSON[Problem](tx, problemsTable, meta.Range{Prefix: prefix})
		out = out[:0]
		for _, p := range ps {
			out = append(out, *p)
		}
		return err
	})
	return out, err
}

// clearSucceeded ends, in tx, the causes that rec's success disproves: the failures of its lake's source, and its
// set-aside records when it had none.
func (s *Service) clearSucceeded(tx meta.Tx, rec *objectRecord, setAsides int64) error {
	src, _ := s.sourceName(rec.Ref.Source)
	if err := clearProblems(tx, rec.Ref.Account, rec.Ref.Region, src, false); err != nil {
		return err
	}
	if setAsides == 0 {
		return clearProblems(tx, rec.Ref.Account, rec.Ref.Region, src, true)
	}
	return nil
}

// noteSetAside records, in tx, the set-aside records of the held object h as a problem of its lake's source.
func (s *Service) noteSetAside(tx meta.Tx, rec *objectRecord, h *heldObject, now time.Time) error {
	p := Problem{Account: rec.Ref.Account, Region: rec.Ref.Region, Kind: ProblemSetAside, Cause: hashCause(ProblemSetAside)}
	p.Source, p.Version = s.sourceName(rec.Ref.Source)
	p.Reason = fmt.Sprintf("record %d of %s: %s", h.setAsides[0].Record, h.setAsides[0].Object, h.setAsides[0].Reason)
	return noteProblem(tx, p, now, int64(len(h.setAsides)))
}
