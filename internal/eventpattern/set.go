package eventpattern

import (
	"math/bits"
	"slices"
	"sync"
)

// Set matches many patterns against an event, reading the event once: only the fields some pattern names are
// decoded, and patterns that require an exact string at some field are looked up by the event's value there
// instead of being tried one by one.
type Set struct {
	roots  []*node
	trie   *trieNode
	npaths int
	// index[path][value] lists the patterns anchored on that exact value at that path (nil for paths no
	// pattern is anchored on).
	index   []map[string][]int32
	indexed []int
	always  []uint64 // bitmap of the patterns with no anchor, tried on every event
	pool    sync.Pool
}

// trieNode is a field name in the tree of paths the Set's patterns name.
type trieNode struct {
	kids  map[string]*trieNode
	names []string // the kids again, for a linear search when there are few
	nodes []*trieNode
	id    int // the path's number when a condition names it; -1 otherwise
}

// kid returns the child named name, or nil.
func (t *trieNode) kid(name string) *trieNode {
	if len(t.names) > 8 {
		return t.kids[name]
	}
	for i, n := range t.names {
		if len(n) == len(name) && n == name {
			return t.nodes[i]
		}
	}
	return nil
}

// state is the scratch space of one match.
type state struct {
	vals  [][]value
	used  []int
	cands []uint64 // bitmap of the patterns to try
}

// NewSet binds patterns into a Set; Match reports them by their index in pats.
func NewSet(pats []*Pattern) *Set {
	s := &Set{trie: &trieNode{id: -1}}
	ids := map[string]int{}
	for _, p := range pats {
		s.roots = append(s.roots, s.bind(p.root, ids))
	}
	s.npaths = len(ids)
	s.always = make([]uint64, (len(s.roots)+63)/64)
	s.index = make([]map[string][]int32, s.npaths)
	s.anchor()
	s.pool.New = func() any {
		return &state{vals: make([][]value, s.npaths), cands: make([]uint64, len(s.always))}
	}
	return s
}

// Len is the number of patterns in the Set.
func (s *Set) Len() int { return len(s.roots) }

// bind copies a pattern's tree, numbering its paths and adding them to the trie.
func (s *Set) bind(n *node, ids map[string]int) *node {
	out := &node{}
	for _, c := range n.conds {
		cc := *c
		id, ok := ids[c.key]
		if !ok {
			id = len(ids)
			ids[c.key] = id
			t := s.trie
			for _, name := range c.path {
				if t.kids == nil {
					t.kids = map[string]*trieNode{}
				}
				k := t.kids[name]
				if k == nil {
					k = &trieNode{id: -1}
					t.kids[name] = k
					t.names = append(t.names, name)
					t.nodes = append(t.nodes, k)
				}
				t = k
			}
			t.id = id
		}
		cc.id = id
		out.conds = append(out.conds, &cc)
	}
	for _, branches := range n.ors {
		bs := make([]*node, len(branches))
		for i, b := range branches {
			bs[i] = s.bind(b, ids)
		}
		out.ors = append(out.ors, bs)
	}
	return out
}

// anchor indexes each pattern by the required exact-string condition shared by the fewest other patterns.
func (s *Set) anchor() {
	type pv struct {
		id int
		v  string
	}
	count := map[pv]int{}
	for _, r := range s.roots {
		for _, c := range r.conds {
			if exactOnly(c) {
				for _, m := range c.matchers {
					count[pv{c.id, m.str}]++
				}
			}
		}
	}
	for i, r := range s.roots {
		var best *cond
		bestScore := 0
		for _, c := range r.conds {
			if !exactOnly(c) {
				continue
			}
			score := 0
			for _, m := range c.matchers {
				score = max(score, count[pv{c.id, m.str}])
			}
			if best == nil || score < bestScore {
				best, bestScore = c, score
			}
		}
		if best == nil {
			s.always[i/64] |= 1 << (i % 64)
			continue
		}
		byVal := s.index[best.id]
		if byVal == nil {
			byVal = map[string][]int32{}
			s.index[best.id] = byVal
			s.indexed = append(s.indexed, best.id)
		}
		for _, m := range best.matchers {
			if l := byVal[m.str]; len(l) == 0 || l[len(l)-1] != int32(i) {
				byVal[m.str] = append(l, int32(i))
			}
		}
	}
	slices.Sort(s.indexed)
}

func exactOnly(c *cond) bool {
	if c.absentOK || c.presence || len(c.matchers) == 0 {
		return false
	}
	for _, m := range c.matchers {
		if m.op != opExact {
			return false
		}
	}
	return true
}

// Match appends to dst the indexes (in NewSet's order) of the patterns that event matches, in increasing
// order. It fails only when event is not a JSON object.
func (s *Set) Match(event []byte, dst []int) ([]int, error) {
	st := s.pool.Get().(*state)
	defer s.put(st)
	sc := scanner{data: event, st: st}
	if err := sc.top(s.trie); err != nil {
		return dst, err
	}
	copy(st.cands, s.always)
	for _, id := range s.indexed {
		byVal := s.index[id]
		for i := range st.vals[id] {
			v := &st.vals[id][i]
			if v.kind != kindString {
				continue
			}
			for _, p := range byVal[v.str] {
				st.cands[p/64] |= 1 << (p % 64)
			}
		}
	}
	for w, bitsLeft := range st.cands {
		for bitsLeft != 0 {
			b := bits.TrailingZeros64(bitsLeft)
			bitsLeft &= bitsLeft - 1
			if p := w*64 + b; s.roots[p].holds(st.vals) {
				dst = append(dst, p)
			}
		}
	}
	return dst, nil
}

func (s *Set) put(st *state) {
	for _, id := range st.used {
		st.vals[id] = st.vals[id][:0]
	}
	st.used = st.used[:0]
	s.pool.Put(st)
}
