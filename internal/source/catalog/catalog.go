// Package catalog lists seclake's sources: the registry in which `seclake ocsf normalize --source` and the
// ingestion pipeline look them up. A new source adds itself to sources below.
package catalog

import (
	"sync"

	"github.com/seclake/seclake/internal/source"
	"github.com/seclake/seclake/internal/source/cloudtrail"
	"github.com/seclake/seclake/internal/source/eksaudit"
	"github.com/seclake/seclake/internal/source/vpcflow"

	// src2's sources (route53, securityhub, waf, guardduty).
	"github.com/seclake/seclake/internal/source/guardduty"
	"github.com/seclake/seclake/internal/source/route53"
	"github.com/seclake/seclake/internal/source/securityhub"
	"github.com/seclake/seclake/internal/source/waf"

	// src3's sources (suricata, networkfirewall).
	"github.com/seclake/seclake/internal/source/networkfirewall"
	"github.com/seclake/seclake/internal/source/suricata"
)

// sources are seclake's sources, one per line.
func sources() []source.Source {
	return []source.Source{
		vpcflow.New(),
		cloudtrail.New(),
		eksaudit.New(),
		route53.New(),
		securityhub.New(),
		waf.New(),
		guardduty.New(),
		// src3's sources.
		suricata.New(),
		networkfirewall.New(),
	}
}

var (
	once     sync.Once
	registry *source.Registry
)

// Registry returns the registry of seclake's sources.
func Registry() *source.Registry {
	once.Do(func() {
		r, err := source.NewRegistry(sources()...)
		if err != nil {
			panic("catalog: " + err.Error()) // TestRegistry rules it out
		}
		registry = r
	})
	return registry
}
