package app

import (
	"strings"

	"github.com/seclake/seclake/internal/api"
	s3api "github.com/seclake/seclake/internal/api/s3"
	"github.com/seclake/seclake/internal/config"
	"github.com/seclake/seclake/internal/objstore"
)

// s3API returns the S3 service for the edge.
func s3API(cfg config.Config, svc *objstore.Service) *api.Service {
	var domains []string
	for _, d := range strings.Split(cfg.S3Domains, ",") {
		domains = append(domains, strings.TrimSpace(d))
	}
	return s3api.New(svc, s3api.Options{Domains: domains})
}

// Objects returns the object store, for in-process writers (log delivery, trails) and tests.
func (s *Server) Objects() *objstore.Service { return s.stack.Objects }
