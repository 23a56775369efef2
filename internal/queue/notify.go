package queue

import (
	"errors"
	"sync"

	"github.com/seclake/seclake/internal/meta"
)

// notifier wakes the long polls of a queue on this node when a message may have become receivable.
type notifier struct {
	mu sync.Mutex
	ch map[string]chan struct{}
}

// wait returns a channel that is closed at the next wake of queue qid.
func (n *notifier) wait(qid string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = map[string]chan struct{}{}
	}
	c, ok := n.ch[qid]
	if !ok {
		c = make(chan struct{})
		n.ch[qid] = c
	}
	return c
}

// wake wakes the waiters of queue qid.
func (n *notifier) wake(qid string) {
	n.mu.Lock()
	c, ok := n.ch[qid]
	if ok {
		delete(n.ch, qid)
	}
	n.mu.Unlock()
	if ok {
		close(c)
	}
}

func isNotFound(err error) bool { return errors.Is(err, meta.ErrNotFound) }
