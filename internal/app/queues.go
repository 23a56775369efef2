package app

import (
	"github.com/seclake/seclake/internal/eventbus"
	"github.com/seclake/seclake/internal/queue"
)

// Queues returns the server's SQS, for the services that send to queues in process (and tests).
func (s *Server) Queues() *queue.Service { return s.stack.Queues }

// Events returns the server's EventBridge (tests read its kept failures).
func (s *Server) Events() *eventbus.Service { return s.stack.Events }
