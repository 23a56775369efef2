package app

import "github.com/seclake/seclake/internal/lake"

// SecurityLake returns the server's Security Lake control plane, for tests that drive its provisioning job.
func (s *Server) SecurityLake() *lake.Service { return s.stack.SecurityLake }
