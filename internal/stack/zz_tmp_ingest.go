// TEMPORARY (branch locations): a stand-in for the ingest branch's component until it lands; removed at the merge.

package stack

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/ingest"
	"github.com/seclake/seclake/internal/source/catalog"
)

const NameIngest = "ingest"

func (s *Stack) tmpIngest() component.Component {
	return component.Component{
		Name:  NameIngest,
		Needs: []string{NameObjects, NameLake, NameAudit},
		Start: func(context.Context) error {
			eng, err := ingest.New(ingest.Config{Meta: s.Meta, Lakes: s.Lakes, Objects: s.Objects, Audit: s.Audit, Seal: s.Seal,
				Sources: catalog.Registry(), Clock: s.cfg.Clock, Flush: ingest.FlushPolicy{MaxAge: time.Second}})
			s.Ingest = eng
			return err
		},
		Jobs: []component.Job{job("ingest.run", time.Second, func(ctx context.Context) error { return s.Ingest.Run(ctx) }),
			job("ingest.audit", time.Second, func(ctx context.Context) error { return s.Ingest.RunAudit(ctx) })},
	}
}
