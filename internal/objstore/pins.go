package objstore

import "sync"

// pins keeps blobs that GETs on this node are reading from being deleted under them. A reader pins all its
// object's blobs at once; deleting a set of retired blobs first marks them all under the same lock, so a pin
// either happens before (and the deletion waits for the reader) or fails (and the reader reloads the object,
// which has been replaced). Nodes sharing a store do not see each other's pins: a read on one node of an
// object another node replaces can still lose blobs it has not opened yet.
type pins struct {
	mu sync.Mutex
	m  map[string]*pinState
}

type pinState struct {
	readers  int
	deferred bool // retired while read: delete when the last reader lets go
	deleting bool
}

// pin registers a reader of the named blobs. It fails if any of them is being deleted.
func (p *pins) pin(names []string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		if st := p.m[n]; st != nil && st.deleting {
			return false
		}
	}
	if p.m == nil {
		p.m = make(map[string]*pinState)
	}
	for _, n := range names {
		st := p.m[n]
		if st == nil {
			st = &pinState{}
			p.m[n] = st
		}
		st.readers++
	}
	return true
}

// unpin ends a read and returns the blobs whose deletion waited for it.
func (p *pins) unpin(names []string) (release []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		st := p.m[n]
		if st == nil {
			continue
		}
		st.readers--
		if st.readers > 0 {
			continue
		}
		if st.deferred {
			st.deleting, st.deferred = true, false
			release = append(release, n)
			continue
		}
		delete(p.m, n)
	}
	return release
}

// claim marks blobs for deletion and returns those nobody reads; the others are deleted when released.
func (p *pins) claim(names []string) (free []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]*pinState)
	}
	for _, n := range names {
		st := p.m[n]
		switch {
		case st == nil:
			p.m[n] = &pinState{deleting: true}
			free = append(free, n)
		case st.readers > 0:
			st.deferred = true
		case !st.deleting:
			st.deleting = true
			free = append(free, n)
		}
	}
	return free
}

// done forgets blobs whose deletion has finished (or failed, to be retried by the sweeper).
func (p *pins) done(names []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, n := range names {
		if st := p.m[n]; st != nil && st.readers == 0 {
			delete(p.m, n)
		}
	}
}
