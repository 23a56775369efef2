package app

import "github.com/seclake/seclake/internal/table"

// Lakes returns the server's data lakes (tests read their tables in process).
func (s *Server) Lakes() *table.Lakes { return s.stack.Lakes }
