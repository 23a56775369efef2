package app

import "github.com/seclake/seclake/internal/trail"

// Trails returns the trail service, for tests that run a delivery themselves.
func (s *Server) Trails() *trail.Service { return s.stack.Trails }
