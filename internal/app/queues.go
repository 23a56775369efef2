package app

import "github.com/seclake/seclake/internal/queue"

// Queues returns the server's SQS, for the services that send to queues in process (and tests).
func (s *Server) Queues() *queue.Service { return s.stack.Queues }
